using EtcdAgent.Configuration.Settings;

namespace EtcdAgent.Configuration.Validation;

/// <summary>schedule: when the daemon backs up, prunes and drills, and how the agents of a cluster share the work.</summary>
internal static class ScheduleValidator
{
    public static ScheduleOptions Validate(ScheduleSettings s, FieldCheck f)
    {
        var zone = f.TimeZone("timeZone", s.TimeZone) ?? ScheduleOptions.DefaultTimeZone;
        var backup = FieldCheck.Text(s.Backup) ?? ScheduleOptions.DefaultBackup;
        var prune = FieldCheck.Text(s.Prune);
        var drill = FieldCheck.Text(s.Drill) ?? ScheduleOptions.DefaultDrill;
        drill = drill is "off" ? null : drill;
        foreach (var (key, text) in new[] { ("backup", (string?)backup), ("prune", prune), ("drill", drill) })
        {
            if (text is null)
            {
                continue;
            }

            try
            {
                CronSchedule.Parse(text, zone);
            }
            catch (FormatException ex)
            {
                f.Invalid(key, ex.Message);
            }
        }

        return new ScheduleOptions
        {
            Backup = backup,
            Prune = prune,
            Drill = drill,
            TimeZone = zone,
            Jitter = f.Duration("jitter", s.Jitter, TimeSpan.Zero, TimeSpan.FromHours(1)) ?? ScheduleOptions.DefaultJitter,
            PerNode = f.OneOf("mode", s.Mode, "perCluster", "perNode") is { } mode ? mode == "perNode" : ScheduleOptions.DefaultPerNode,
            LeaderDelay = f.Duration("leaderDelay", s.LeaderDelay, TimeSpan.Zero, TimeSpan.FromMinutes(5)) ?? ScheduleOptions.DefaultLeaderDelay,
            StateDir = FieldCheck.Text(s.StateDir) ?? ScheduleOptions.DefaultStateDir,
        };
    }
}
