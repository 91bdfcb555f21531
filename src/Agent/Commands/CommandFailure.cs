using EtcdAgent.Etcd;
using EtcdAgent.Failures;

namespace EtcdAgent.Commands;

/// <summary>
/// Prints a failure as "Error: message" and returns its exit code (<see cref="FailureMessages"/>). Every verb
/// reports errors through here, so the same failure reads the same everywhere.
/// </summary>
internal static class CommandFailure
{
    public static int Report(Exception ex, CliContext context, EtcdConnectionSettings? settings)
    {
        var (code, message) = FailureMessages.Describe(ex, settings);
        context.Error.WriteLine("Error: " + message);
        return code;
    }
}
