using System.Diagnostics;

namespace EtcdAgent.Restore.Topology;

/// <summary>
/// Runs an operator-supplied command through /bin/sh. Output is collected for the error message, never streamed
/// into logs (a start script could print anything). A command that starts a daemon must detach it from our pipes
/// (redirect its output), as any `sh -c` caller would expect.
/// </summary>
internal sealed class ShellRunner(TimeSpan timeout)
{
    public async Task RunAsync(string command, string what, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using var process = Process.Start(psi) ?? throw new RestoreStepException($"cannot run /bin/sh to {what}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new RestoreStepException($"'{command}' (to {what}) did not finish within {timeout.TotalSeconds:0} s");
        }

        if (process.ExitCode != 0)
        {
            var output = ((await stderr.ConfigureAwait(false)) + (await stdout.ConfigureAwait(false))).Trim();
            throw new RestoreStepException($"'{command}' (to {what}) exited with {process.ExitCode}: {Tail(output)}");
        }
    }

    private static string Tail(string text) => text.Length <= 600 ? text : "..." + text[^600..];
}
