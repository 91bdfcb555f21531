using EtcdAgent.Commands;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console.Testing;
using Xunit;
using static EtcdAgent.IntegrationTests.Restore.RestoreHelpers;

namespace EtcdAgent.IntegrationTests.Restore;

/// <summary>
/// The interactive restore, answered through Spectre's test console in-process against a real etcd: pick the newest
/// backup, confirm, restored; and a cancel at the confirmation that leaves everything as it was.
/// </summary>
public sealed class RestoreWizardTests() : ScriptedMemberTestBase("etcd-agent-restore-wizard")
{
    protected override async Task SeedAsync()
    {
        using var client = Etcd.Client();
        await PutAsync(client, "/w/", 6, "backed-up");
    }

    [Fact]
    public async Task PickingTheNewestBackupAndConfirmingRestoresIt()
    {
        await BackupAsync(Etcd, Store); // older
        using (var client = Etcd.Client())
        {
            await client.PutAsync("/w/000", "newest");
        }

        var newest = await BackupAsync(Etcd, Store);
        using (var client = Etcd.Client())
        {
            await client.PutAsync("/w/000", "after-both");
        }

        var console = new TestConsole().Interactive();
        console.Input.PushKey(ConsoleKey.Enter); // the first choice: the newest backup
        console.Input.PushTextWithEnter("y");

        var (code, output, error) = await RunAsync(console, ["restore", "--store", Store, .. Explicit(Etcd, State)]);

        Assert.True(code == 0, output + error + console.Output);
        Assert.Contains("Which backup should this member be restored from?", console.Output, StringComparison.Ordinal);
        Assert.Contains(newest, console.Output, StringComparison.Ordinal);
        Assert.Contains($"snapshot:       {newest}", output, StringComparison.Ordinal);
        Assert.Contains("complete", output, StringComparison.Ordinal);
        using var restored = Etcd.Client();
        Assert.Equal("newest", await GetAsync(restored, "/w/000"));
    }

    [Fact]
    public async Task CancellingAtTheConfirmationChangesNothing()
    {
        await BackupAsync(Etcd, Store);
        var calls = Dir.File("calls.log");
        string[] flags = [.. Explicit(Etcd, State)];
        flags[Array.IndexOf(flags, "--stop-command") + 1] = $"echo stop >> {calls}";
        var console = new TestConsole().Interactive();
        console.Input.PushKey(ConsoleKey.Enter);
        console.Input.PushTextWithEnter("n");

        var (code, output, error) = await RunAsync(console, ["restore", "--store", Store, .. flags]);

        Assert.True(code == 1, output + error);
        Assert.Contains("Cancelled: nothing was changed.", output, StringComparison.Ordinal);
        Assert.Contains("Stop etcd on this node", console.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(calls));
        Assert.True(Etcd.IsRunning);
        Assert.Empty(Directory.GetDirectories(Path.Combine(State, "restore")));
        Assert.Empty(Directory.GetDirectories(Etcd.DataDir, ".etcd-agent-*"));
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(TestConsole console, string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var overrides = Environment();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            Environment = name => overrides.TryGetValue(name, out var value) ? value : System.Environment.GetEnvironmentVariable(name),
            Time = TimeProvider.System,
            Loggers = NullLoggerFactory.Instance,
            Terminal = console,
        };
        var code = await CliApp.RunAsync(args, context);
        return (code, output.ToString(), error.ToString());
    }
}
