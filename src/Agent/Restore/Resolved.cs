using System.Runtime.ExceptionServices;

namespace EtcdAgent.Restore;

/// <summary>
/// A value the verb resolved once for the run (the configuration, the etcd connection settings), or why it could
/// not. The reason is raised where the value is first used, not when the run starts: --abandon and --rollback build
/// no client and read no store, so they still work on a node whose configuration or password file is broken.
/// </summary>
internal sealed class Resolved<T>
    where T : class
{
    private readonly T? _value;
    private readonly ExceptionDispatchInfo? _problem;
    private readonly bool _given;

    private Resolved(T? value, Exception? problem, bool given)
    {
        _value = value;
        _problem = problem is null ? null : ExceptionDispatchInfo.Capture(problem);
        _given = given;
    }

    /// <summary>The value, or null when none was given at all; one given but broken throws its problem.</summary>
    public T? OrNull => _given ? Value : null;

    /// <summary>The value; throws why there is none (nothing given, or what was given is broken).</summary>
    public T Value
    {
        get
        {
            if (_value is null)
            {
                _problem!.Throw();
            }

            return _value;
        }
    }

    public static Resolved<T> Of(T value) => new(value ?? throw new ArgumentNullException(nameof(value)), null, given: true);

    /// <summary>Nothing was given: <see cref="OrNull"/> is null, <see cref="Value"/> throws <paramref name="why"/>.</summary>
    public static Resolved<T> Missing(Exception why) => new(null, why ?? throw new ArgumentNullException(nameof(why)), given: false);

    /// <summary>Something was given but could not be used: both accessors throw <paramref name="problem"/>.</summary>
    public static Resolved<T> Broken(Exception problem) => new(null, problem ?? throw new ArgumentNullException(nameof(problem)), given: true);
}
