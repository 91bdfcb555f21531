using EtcdAgent.Configuration;
using EtcdAgent.Manifests;
using Xunit;

namespace EtcdAgent.UnitTests.Agent;

/// <summary>
/// Every input afl-fuzz turned up (docs/fuzzing.md), kept in Fixtures/Fuzz/&lt;target&gt;/ and fed through the same
/// entry point as the harness of that target. Each must now end in the documented clean outcome: the exception
/// the commands turn into an exit code, or a verdict. A target with no finding has no theory here.
/// </summary>
public sealed class FuzzRegressionTests
{
    public static TheoryData<string> Inputs(string target)
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Fuzz", target)).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs), "manifest")]
    public void ManifestParseThrowsInvalidDataWhenTheInputIsAFuzzFinding(string name) =>
        Assert.Throws<InvalidDataException>(() => BackupManifest.Parse(File.ReadAllBytes(Input("manifest", name)), name));

    [Theory]
    [MemberData(nameof(Inputs), "config")]
    public void ConfigLoadThrowsConfigurationErrorWhenTheInputIsAFuzzFinding(string name)
    {
        var error = Assert.Throws<ConfigurationException>(() => ConfigLoader.Load(Input("config", name), _ => null));
        Assert.Contains("not valid YAML", error.Message, StringComparison.Ordinal);
    }

    private static string Input(string target, string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Fuzz", target, name);
}
