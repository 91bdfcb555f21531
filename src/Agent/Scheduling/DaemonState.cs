using System.Globalization;

namespace EtcdAgent.Scheduling;

/// <summary>
/// The fire time of the last tick this agent ran, in a small file under the state directory, so a tick missed while
/// the node was down is run once on start. A missing or unreadable file means no catch-up (a first start does not
/// back up immediately); failing to write it only costs a catch-up later.
/// </summary>
internal sealed class DaemonState(string directory, string cluster)
{
    private readonly string _path = Path.Combine(directory, $"last-tick-{cluster}");

    public DateTimeOffset? LastFire =>
        File.Exists(_path) && DateTimeOffset.TryParse(File.ReadAllText(_path).Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : null;

    public void Record(DateTimeOffset fire)
    {
        try
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(_path + ".tmp", fire.UtcDateTime.ToString("o", CultureInfo.InvariantCulture));
            File.Move(_path + ".tmp", _path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not fatal: without the record the next start cannot tell it missed a tick, nothing more.
        }
    }
}
