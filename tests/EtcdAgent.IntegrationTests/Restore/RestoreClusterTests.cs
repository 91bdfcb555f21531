using System.Text.RegularExpressions;
using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;
using static EtcdAgent.IntegrationTests.Restore.RestoreHelpers;

namespace EtcdAgent.IntegrationTests.Restore;

/// <summary>
/// A 3-member etcd cluster on loopback restored from one backup by three invocations, each with its member's
/// identity, as an operator would on three nodes: the first refuses to start while old members run, prints the
/// command for the others, and the restored cluster forms with the backup's data on every member.
/// </summary>
public sealed partial class RestoreClusterTests : IDisposable
{
    private readonly TempDir _dir = new("etcd-agent-restore-ha");
    private readonly List<ScriptedEtcd> _members;

    public RestoreClusterTests() => _members = ScriptedEtcd.Create(_dir.Path, 3);

    public void Dispose()
    {
        foreach (var member in _members)
        {
            member.Dispose();
        }

        _dir.Dispose();
    }

    [Fact]
    public async Task AllThreeMembersRestoreFromOneBackupAndTheGateRefusesWhileOldMembersRun()
    {
        foreach (var member in _members)
        {
            await member.StartAsync();
        }

        foreach (var member in _members)
        {
            await member.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        }

        var store = _dir.File("store");
        Directory.CreateDirectory(store);
        using (var client = _members[0].Client())
        {
            await PutAsync(client, "/registry/ha/", 25, "backed-up");
        }

        var id = await BackupAsync(_members[0], store);
        long backupRevision;
        using (var client = _members[0].Client())
        {
            backupRevision = (await client.GetAsync("/registry/ha/000")).Header.Revision;
            await PutAsync(client, "/registry/after/", 5);
        }

        // m1 first, with m2 and m3 still running the old cluster: it restores and moves its data, then refuses to start.
        var first = await AgentAsync(["restore", "--snapshot", id, "--store", store, "--yes", .. Explicit(_members[0], State(0))]);
        Assert.Equal(1, first.ExitCode);
        Assert.Contains("still running as a member of the old cluster", first.Stderr, StringComparison.Ordinal);
        Assert.Contains("Check that no old member", first.Stderr, StringComparison.Ordinal);
        Assert.False(_members[0].IsRunning);

        var commands = OtherMember().Matches(first.Stdout).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim());
        Assert.Equal(["m2", "m3"], commands.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("--initial-cluster-token etcd-agent-", commands["m2"], StringComparison.Ordinal);

        // The operator stops the other old members, then resumes m1 and runs the printed command on m2 and m3.
        await _members[1].StopAsync();
        await _members[2].StopAsync();
        using var resume = AgentProcess.Start(["restore", "--resume", "--state-dir", State(0), "--health-timeout", "90s"], Environment());
        var others = Enumerable.Range(1, 2).Select(i => AgentAsync(
            commands[_members[i].Name].Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(2)
                .Concat(["--store", store, "--topology", "explicit", "--data-dir", _members[i].DataDir, "--listen-client-urls", _members[i].ClientUrl,
                    "--stop-command", _members[i].StopCommand, "--start-command", _members[i].StartCommand, "--state-dir", State(i),
                    "--stop-timeout", "20s", "--health-timeout", "90s"])
                .Prepend("restore"),
            TimeSpan.FromSeconds(150))).ToList();
        var results = await Task.WhenAll(others);
        var resumed = await resume.WaitForExitAsync(TimeSpan.FromSeconds(150));
        Assert.True(resumed == 0, resume.Output + _members[0].Log);
        foreach (var result in results)
        {
            Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        }

        Assert.Contains(results.Select(r => r.Stdout).Append(resume.Output), o => o.Contains("all 3 members healthy and at the same revision", StringComparison.Ordinal));
        foreach (var member in _members)
        {
            using var client = member.Client();
            var status = await client.StatusAsync(new Uri(member.ClientUrl));
            Assert.NotEqual(0UL, status.Leader);
            Assert.Equal(backupRevision, status.Header.Revision);
            Assert.Equal("backed-up-24", await GetAsync(client, "/registry/ha/024"));
            Assert.Null(await GetAsync(client, "/registry/after/000"));
            Assert.Equal(3, (await client.MemberListAsync()).Members.Count);
        }
    }

    private string State(int member) => _dir.File($"state-m{member + 1}");

    [GeneratedRegex(@"^  (m\d): (etcd-agent restore .*)$", RegexOptions.Multiline)]
    private static partial Regex OtherMember();
}
