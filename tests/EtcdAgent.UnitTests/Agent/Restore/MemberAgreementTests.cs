using EtcdAgent.Manifests;
using EtcdAgent.Restore;
using EtcdAgent.Restore.Topology;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Restore;

/// <summary>
/// Issue 16 item 5: a detected member is compared with the configured endpoints and the backup's member list, so
/// Debian's unused etcd.service (name = host name, /var/lib/etcd/default, localhost URLs) is not taken for the real one.
/// </summary>
public sealed class MemberAgreementTests : IDisposable
{
    private static readonly MemberInfo[] Backup =
    [
        new("1", "cp-1", ["https://10.0.0.5:2380"], ["https://10.0.0.5:2379"], false),
        new("2", "cp-2", ["https://10.0.0.6:2380"], ["https://10.0.0.6:2379"], false),
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("agreement").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void DebiansUnusedUnitDisagreesOnEveryCount()
    {
        var debian = MemberConfig.FromFlags(EtcdFlags.FromArguments(["--name=node-a", $"--data-dir={_dir}/default"]), "/lib/systemd/system/etcd.service");
        Uri[] endpoints = [new("https://10.0.0.5:2379")];

        var problems = MemberAgreement.Disagreements(debian, Backup, endpoints, "the config file", [new Uri("https://127.0.0.1:2379")]);

        Assert.Equal(3, problems.Count);
        Assert.Contains("its name is 'node-a', but the backup's members are cp-1 (https://10.0.0.5:2380), cp-2 (https://10.0.0.6:2380)", problems[0], StringComparison.Ordinal);
        Assert.Contains("but the config file names https://10.0.0.5:2379", problems[1], StringComparison.Ordinal);
        Assert.Contains($"its data dir {_dir}/default holds no member/", problems[2], StringComparison.Ordinal);
    }

    [Fact]
    public void TheRealMemberAgrees()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "member"));
        var real = MemberConfig.FromFlags(EtcdFlags.FromArguments([
            "--name=cp-1", $"--data-dir={_dir}", "--initial-advertise-peer-urls=https://10.0.0.5:2380/",
            "--listen-client-urls=https://0.0.0.0:2379", "--advertise-client-urls=https://10.0.0.5:2379",
        ]), "etcd.yaml");

        Assert.Empty(MemberAgreement.Disagreements(real, Backup, [new Uri("https://127.0.0.1:2379")], "--endpoints", [new Uri("https://127.0.0.1:2379")]));
        Assert.Empty(MemberAgreement.Disagreements(real, null, [], "the configuration", []));
    }

    [Fact]
    public void SameNameOtherPeerUrlsIsADisagreement()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "member"));
        var moved = MemberConfig.FromFlags(EtcdFlags.FromArguments(["--name=cp-2", $"--data-dir={_dir}", "--initial-advertise-peer-urls=https://10.9.9.9:2380"]), "unit");

        var problem = Assert.Single(MemberAgreement.Disagreements(moved, Backup, [], "the configuration", []));

        Assert.Equal("its peer URLs are https://10.9.9.9:2380, but the backup's cp-2 had https://10.0.0.6:2380", problem);
    }

    [Fact]
    public void LoopbackNamesReachALoopbackListenerOnTheSamePort()
    {
        var member = MemberConfig.FromFlags(EtcdFlags.FromArguments([$"--data-dir={_dir}", "--listen-client-urls=http://localhost:2379"]), "unit");

        Assert.True(MemberAgreement.Serves(member, new Uri("http://127.0.0.1:2379")));
        Assert.False(MemberAgreement.Serves(member, new Uri("http://127.0.0.1:12379")));
        Assert.False(MemberAgreement.Serves(member, new Uri("http://10.0.0.5:2379")));
    }
}
