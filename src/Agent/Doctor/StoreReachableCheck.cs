using EtcdAgent.Configuration;
using EtcdAgent.Storage;

namespace EtcdAgent.Doctor;

/// <summary>The store exists and the credentials are accepted (the same probe a backup makes before its snapshot).</summary>
internal sealed class StoreReachableCheck : IDoctorCheck
{
    public string Name => "store reachable";

    public async Task<CheckResult> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        if (context.Options is not { } options)
        {
            return CheckResult.Skipped("needs a valid configuration");
        }

        try
        {
            using var store = StoreFactory.Create(options.Store, context.Loggers, context.Time);
            await store.ProbeAsync(cancellationToken).ConfigureAwait(false);
            context.StoreReachable = true;
            return CheckResult.Passed(store.Location);
        }
        catch (Exception ex) when (ex is StoreException or ConfigurationException)
        {
            return StoreFailureFix.Explain(ex, options.Store);
        }
    }
}
