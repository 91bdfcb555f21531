using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace EtcdAgent.IntegrationTests.Fixtures;

/// <summary>
/// This machine's systemd booted as PID 1 over a throwaway overlay of <c>/</c> (systemd-sandbox.sh), driven from the
/// host with nsenter: dpkg, systemctl and journalctl for real, the host untouched. Shares the host's loopback unless
/// asked for a private network, so host-side etcd and S3 fixtures are reachable at 127.0.0.1. Disposal powers it
/// off (then SIGKILL), which ends every process inside and drops the overlay, and removes its cgroups.
/// </summary>
public sealed class SystemdSandbox : IAsyncDisposable
{
    private const string InsidePath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);
    private readonly TempDir _work;
    private readonly Process _launcher;
    private readonly string _name;

    private SystemdSandbox(TempDir work, Process launcher, string name, int pid)
    {
        _work = work;
        _launcher = launcher;
        _name = name;
        Pid = pid;
    }

    /// <summary>The host's PID of the sandbox's systemd (PID 1 inside).</summary>
    public int Pid { get; }

    /// <summary>The sandbox's host name (/etc/hostname inside), which the agent uses as its node name.</summary>
    public string Hostname => _name.ToLowerInvariant();

    /// <summary>Boot time, start to <c>systemctl is-system-running</c> answering "running".</summary>
    public TimeSpan BootTime { get; private set; }

    /// <summary>What systemd wrote to its console (boot problems land here, not in the journal).</summary>
    public string Console => File.Exists(_work.File("console.log")) ? File.ReadAllText(_work.File("console.log")) : string.Empty;

    public static async Task<SystemdSandbox> BootAsync(bool privateNetwork = false)
    {
        Assert.True(Environment.IsPrivilegedProcess, "the systemd sandbox needs root (namespaces, mounts, cgroups): run make test as root (CI does)");
        var work = new TempDir("etcd-agent-sbx");
        var name = Path.GetFileName(work.Path);
        var psi = new ProcessStartInfo(RepoPaths.File("tests", "EtcdAgent.IntegrationTests", "Fixtures", "systemd-sandbox.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(name);
        psi.ArgumentList.Add(work.Path);
        if (privateNetwork)
        {
            psi.ArgumentList.Add("--private-network");
        }

        var watch = Stopwatch.StartNew();
        var launcher = Process.Start(psi) ?? throw new InvalidOperationException("cannot start systemd-sandbox.sh");
        var output = launcher.StandardOutput.ReadToEndAsync();
        var errors = launcher.StandardError.ReadToEndAsync();
        SystemdSandbox? sandbox = null;
        try
        {
            var pid = await FindSystemdAsync(launcher, watch, () => $"{errors.Result}{output.Result}");
            sandbox = new SystemdSandbox(work, launcher, name, pid);
            var running = await sandbox.RunAsync(["systemctl", "is-system-running", "--wait"], BootTimeout);
            if (running.Stdout.Trim() != "running")
            {
                var failed = await sandbox.RunAsync("systemctl", "--failed", "--no-legend");
                throw new InvalidOperationException($"the sandbox booted to '{running.Stdout.Trim()}', not 'running'; failed units:\n{failed.Stdout}\nconsole:\n{sandbox.Console}");
            }

            sandbox.BootTime = watch.Elapsed;
            return sandbox;
        }
        catch
        {
            if (sandbox is not null)
            {
                await sandbox.DisposeAsync();
            }
            else
            {
                Kill(launcher);
                RemoveCgroups(name);
                work.Dispose();
            }

            throw;
        }
    }

    /// <summary>A command inside (all namespaces), with a clean environment as a unit's ExecStart would have.</summary>
    public Task<ProcessRunner.Result> RunAsync(params string[] command) => RunAsync(command, TimeSpan.FromMinutes(2));

    public Task<ProcessRunner.Result> RunAsync(IEnumerable<string> command, TimeSpan timeout, string? stdin = null) =>
        ProcessRunner.RunAsync("nsenter", ["-t", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-a", "--",
            "env", "-i", InsidePath, "SYSTEMD_PAGER=cat", "SYSTEMD_COLORS=0", "LANG=C.UTF-8", .. command], timeout: timeout, stdin: stdin);

    /// <summary>A command inside that must succeed; its stdout.</summary>
    public async Task<string> RunCheckedAsync(params string[] command)
    {
        var result = await RunAsync(command);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} exited {result.ExitCode} in the sandbox:\n{result.Stderr}{result.Stdout}");
        }

        return result.Stdout;
    }

    /// <summary>The host path of <paramref name="inside"/>, through the sandbox's root (writes land in its overlay).</summary>
    public string HostPath(string inside) => $"/proc/{Pid}/root{inside}";

    public async Task WriteFileAsync(string inside, string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = HostPath(inside);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, content);
        File.SetUnixFileMode(path, mode);
    }

    /// <summary>One property of a unit, as <c>systemctl show -P</c> prints it.</summary>
    public async Task<string> PropertyAsync(string unit, string property) =>
        (await RunCheckedAsync("systemctl", "show", "-P", property, unit)).Trim();

    /// <summary>A unit's journal (and systemd's lines about it), entry by entry, with the fields tests look at.</summary>
    public async Task<IReadOnlyList<JournalEntry>> JournalAsync(string unit)
    {
        var output = await RunCheckedAsync("journalctl", "-u", unit, "-o", "json", "--no-pager", "--output-fields=MESSAGE,PRIORITY,_PID,SYSLOG_IDENTIFIER");
        var entries = new List<JournalEntry>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            entries.Add(new JournalEntry(
                int.Parse(root.GetProperty("PRIORITY").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                Field(root, "SYSLOG_IDENTIFIER"),
                Field(root, "MESSAGE")));
        }

        return entries;

        // journald stores a message that is not valid UTF-8 as an array of bytes.
        static string Field(JsonElement root, string name) => !root.TryGetProperty(name, out var value) ? string.Empty
            : value.ValueKind == JsonValueKind.String ? value.GetString()!
            : System.Text.Encoding.UTF8.GetString(value.EnumerateArray().Select(b => b.GetByte()).ToArray());
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> and the unit's journal.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, string unit = "etcd-agent")
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > timeout)
            {
                var journal = await RunAsync("journalctl", "-u", unit, "--no-pager", "-n", "60");
                Assert.Fail($"{what}: not within {timeout.TotalSeconds:0} s. Journal of {unit}:\n{journal.Stdout}");
            }

            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Poweroff (SIGRTMIN+4) lets the units stop; SIGKILL of PID 1 then ends the namespace, whatever still runs.
        var pid = Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await ProcessRunner.RunAsync("kill", ["-s", "SIGRTMIN+4", pid]);
        var watch = Stopwatch.StartNew();
        while (IsAlive(Pid) && watch.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100);
        }

        Kill(_launcher);
        RemoveCgroups(_name);
        _work.Dispose();
    }

    /// <summary>Alive unless gone or a zombie (this machine's init reaps late).</summary>
    private static bool IsAlive(int pid) =>
        TryRead($"/proc/{pid}/stat") is { Length: > 0 } stat && stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() != 'Z';

    private static void Kill(Process launcher)
    {
        try
        {
            launcher.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }

        launcher.WaitForExit(TimeSpan.FromSeconds(10));
        launcher.Dispose();
    }

    /// <summary>
    /// The launcher is unshare, and PID 1 inside is its only child. Waits for that child to have left the script
    /// (exec'd systemd) and for systemd's private socket, which exists once it is managing units.
    /// </summary>
    private static async Task<int> FindSystemdAsync(Process launcher, Stopwatch watch, Func<string> output)
    {
        while (true)
        {
            if (launcher.HasExited)
            {
                throw new InvalidOperationException($"systemd-sandbox.sh exited {launcher.ExitCode} before systemd ran:\n{output()}");
            }

            if (watch.Elapsed > BootTimeout)
            {
                throw new TimeoutException($"the sandbox's systemd did not come up within {BootTimeout}");
            }

            var children = TryRead($"/proc/{launcher.Id}/task/{launcher.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (children.Length == 1 && int.TryParse(children[0], out var pid)
                && TryRead($"/proc/{pid}/comm").Trim() == "systemd"
                && File.Exists($"/proc/{pid}/root/run/systemd/private"))
            {
                return pid;
            }

            await Task.Delay(100);
        }
    }

    private static string TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    /// <summary>sbx-NAME in each hierarchy (as systemd-sandbox.sh made it), children first: systemd made slices in it.</summary>
    private static void RemoveCgroups(string name)
    {
        foreach (var line in File.ReadAllLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            var hierarchy = parts[1].Length == 0
                ? (Directory.Exists("/sys/fs/cgroup/unified") ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup")
                : "/sys/fs/cgroup/" + parts[1].Replace("name=", string.Empty, StringComparison.Ordinal);
            var dir = hierarchy + parts[2].TrimEnd('/') + "/sbx-" + name;
            RemoveTree(dir);
        }

        static void RemoveTree(string dir)
        {
            if (!Directory.Exists(dir))
            {
                return;
            }

            foreach (var child in Directory.GetDirectories(dir))
            {
                RemoveTree(child);
            }

            // A cgroup holds its last process for a moment after the kill (zombies are reaped late here).
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    Directory.Delete(dir);
                    return;
                }
                catch (IOException) when (attempt < 50)
                {
                    Thread.Sleep(100);
                }
            }
        }
    }
}

/// <summary>One journal entry: syslog priority (3 err, 4 warning, 6 info), who logged it, the text.</summary>
public sealed record JournalEntry(int Priority, string Identifier, string Message);
