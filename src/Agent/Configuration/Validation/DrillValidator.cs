using EtcdAgent.Configuration.Settings;

namespace EtcdAgent.Configuration.Validation;

/// <summary>drill: the binaries, the work dir and the limits of a restore drill.</summary>
internal static class DrillValidator
{
    public static DrillOptions Validate(DrillSettings s, FieldCheck f) => new()
    {
        EtcdBinary = FieldCheck.Text(s.EtcdBinary),
        RestoreBinary = FieldCheck.Text(s.RestoreBinary),
        WorkDir = FieldCheck.Text(s.WorkDir),
        Timeout = f.Duration("timeout", s.Timeout, TimeSpan.FromMinutes(1), TimeSpan.FromHours(12)) ?? DrillOptions.DefaultTimeout,
        SampleKeys = f.Int("sampleKeys", s.SampleKeys, 0, 10_000) ?? DrillOptions.DefaultSampleKeys,
    };
}
