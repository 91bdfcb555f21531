using EtcdAgent.Failures;

namespace EtcdAgent.Doctor;

/// <summary>Runs the checks in order, each once; an unexpected exception fails that check, never the run.</summary>
internal static class DoctorRunner
{
    /// <summary>Every check, in the order a first install should fix them (later ones build on earlier ones).</summary>
    public static IReadOnlyList<IDoctorCheck> AllChecks() =>
    [
        new ConfigCheck(),
        new EtcdReachableCheck(),
        new MemberHealthCheck(),
        new SnapshotPermissionCheck(),
        new StoreReachableCheck(),
        new StoreRoundTripCheck(),
        new StoreProtectionCheck(),
        new EncryptionKeyCheck(),
        new BundleCheck(),
        new SpoolSpaceCheck(),
        new SpoolLeftoversCheck(),
        new ClockSkewCheck(),
        new SystemdWatchdogCheck(),
    ];

    public static async Task<IReadOnlyList<CheckOutcome>> RunAsync(IEnumerable<IDoctorCheck> checks, DoctorContext context,
        CancellationToken cancellationToken)
    {
        var outcomes = new List<CheckOutcome>();
        foreach (var check in checks)
        {
            CheckResult result;
            try
            {
                result = await check.RunAsync(context, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // One check's surprise must not hide the others' results.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                result = CheckResult.Failed(FailureMessages.Describe(ex, context.Settings).Message,
                    "an unexpected error: fix what the message names and run doctor again");
            }

            outcomes.Add(new CheckOutcome(check.Name, result));
        }

        return outcomes;
    }
}
