using Xunit;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>Files of the checkout the tests run from: what `make publish` and `make deb` built, and the packaging sources.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The published NativeAOT binary (what the .deb ships); `make test` publishes before it tests.</summary>
    public static string PublishedBinary => Built(Path.Combine("artifacts", "publish", "etcd-agent"), "make publish");

    /// <summary>The single version source, as the build and the .deb read it.</summary>
    public static string Version => System.IO.File.ReadAllText(Path.Combine(Root, "VERSION")).Trim();

    /// <summary>The amd64 package `make deb-amd64` built.</summary>
    public static string Deb => Built(Path.Combine("artifacts", "deb", $"etcd-agent_{Version}_amd64.deb"), "make deb-amd64");

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Built(string relative, string how)
    {
        var path = Path.Combine(Root, relative);
        Assert.True(System.IO.File.Exists(path), $"{path} is missing: run `{how}` (make test does it first)");
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "EtcdAgent.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("EtcdAgent.sln not found above the test directory");
    }
}
