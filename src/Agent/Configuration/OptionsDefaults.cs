namespace EtcdAgent.Configuration;

/// <summary>
/// Forwards to the defaults stated on the options records, for callers outside Configuration that named this class
/// before the defaults moved there (Commands/AgentFlags and the restore commands, which another change is moving).
/// It states no value of its own; new code names the options record's constant.
/// </summary>
internal static class OptionsDefaults
{
    public const string ConfigPath = AgentOptions.DefaultConfigPath;

    public const string StateDir = ScheduleOptions.DefaultStateDir;
}
