using System.Globalization;
using EtcdAgent.Etcd;

namespace EtcdAgent.Doctor;

/// <summary>
/// This machine's clock against etcd's. Schedules, backup ids and retention all use the local clock; a node that is
/// minutes off backs up at the wrong times and keeps or prunes the wrong backups.
/// </summary>
internal sealed class ClockSkewCheck : IDoctorCheck
{
    /// <summary>More than this is worth a warning (the Date header alone has one second of resolution).</summary>
    internal static readonly TimeSpan WarnAbove = TimeSpan.FromSeconds(2);

    /// <summary>More than this breaks schedules and retention decisions near their boundaries.</summary>
    internal static readonly TimeSpan FailAbove = TimeSpan.FromSeconds(30);

    private const string Fix = "synchronise the clock with NTP (timedatectl set-ntp true, or chrony) on this node and on etcd's";

    public string Name => "clock skew";

    public async Task<CheckResult> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        if (context is not { Client: not null, Settings: { } settings })
        {
            return CheckResult.Skipped("etcd is not reachable");
        }

        var endpoint = settings.Endpoints[0];
        (DateTimeOffset Server, DateTimeOffset Local)? clocks;
        try
        {
            clocks = await EtcdClock.ReadAsync(settings, endpoint, context.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return CheckResult.Skipped($"cannot read etcd's clock from {endpoint.Display()}/version: {ex.Message}");
        }

        return clocks is { } c
            ? Evaluate(c.Server - c.Local, endpoint)
            : CheckResult.Skipped($"{endpoint.Display()}/version sent no Date header");
    }

    /// <summary>The verdict on a skew (positive: etcd is ahead), pure for unit tests.</summary>
    internal static CheckResult Evaluate(TimeSpan skew, Uri endpoint)
    {
        var seconds = skew.TotalSeconds.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);
        var detail = $"etcd at {endpoint.Display()} is {seconds} s from this machine's clock";
        var size = skew.Duration();
        return size > FailAbove ? CheckResult.Failed(detail + $" (more than {FailAbove.TotalSeconds:0} s)", Fix)
            : size > WarnAbove ? CheckResult.Warning(detail + $" (more than {WarnAbove.TotalSeconds:0} s)", Fix)
            : CheckResult.Passed(detail);
    }
}
