using System.Globalization;
using EtcdAgent.Configuration;
using EtcdAgent.Etcd;
using EtcdAgent.Protocol.Etcd;

namespace EtcdAgent.Doctor;

/// <summary>Every configured endpoint answers Status with the configured TLS and credentials.</summary>
internal sealed class EtcdReachableCheck : IDoctorCheck
{
    public string Name => "etcd reachable";

    public async Task<CheckResult> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        if (context.Settings is not { } settings)
        {
            return CheckResult.Skipped("needs a valid configuration");
        }

        Protocol.Etcd.EtcdClient client;
        try
        {
            client = EtcdClientFactory.Create(settings, context.Time, context.Loggers);
        }
        catch (ConfigurationException ex)
        {
            return EtcdFailureFix.Explain(ex, settings);
        }

        var answered = new List<string>();
        try
        {
            foreach (var endpoint in settings.Endpoints)
            {
                var started = context.Time.GetTimestamp();
                var status = await client.StatusAsync(endpoint, cancellationToken).ConfigureAwait(false);
                var ms = context.Time.GetElapsedTime(started).TotalMilliseconds;
                context.LocalStatus ??= status;
                answered.Add($"{endpoint.Display()} (etcd {status.Version}, {ms.ToString("0", CultureInfo.InvariantCulture)} ms)");
            }
        }
        catch (EtcdRpcException ex)
        {
            client.Dispose();
            context.LocalStatus = null;
            return EtcdFailureFix.Explain(ex, settings);
        }

        context.Client = client;
        var auth = settings.User is null ? string.Empty : $", as user {settings.User}";
        var tls = settings.CertFile is not null ? ", mutual TLS" : settings.Endpoints.Any(e => e.Scheme == "https") ? ", TLS" : string.Empty;
        return CheckResult.Passed(string.Join("; ", answered) + tls + auth);
    }
}
