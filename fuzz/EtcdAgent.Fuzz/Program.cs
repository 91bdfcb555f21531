using SharpFuzz;

namespace EtcdAgent.Fuzz;

/// <summary>
/// AFL++ entry point: <c>EtcdAgent.Fuzz TARGET</c> runs one harness under afl-fuzz (or once, on stdin, outside it:
/// that is how a saved crash is replayed); <c>EtcdAgent.Fuzz seeds DIR</c> writes the starting corpus of every
/// target. See docs/fuzzing.md.
/// </summary>
internal static class Program
{
    private static readonly Dictionary<string, Action<Stream>> Targets = new(StringComparer.Ordinal)
    {
        ["snapshot"] = Harnesses.Snapshot,
        ["object"] = Harnesses.Object,
        ["manifest"] = Harnesses.Manifest,
        ["config"] = Harnesses.Config,
    };

    public static int Main(string[] args)
    {
        if (args is ["seeds", var dir])
        {
            Seeds.Write(dir);
            return 0;
        }

        if (args.Length != 1 || !Targets.TryGetValue(args[0], out var harness))
        {
            Console.Error.WriteLine($"usage: EtcdAgent.Fuzz {string.Join('|', Targets.Keys)}   (input on stdin, or from afl-fuzz)");
            Console.Error.WriteLine("       EtcdAgent.Fuzz seeds DIR   (write the object and manifest seeds)");
            return 2;
        }

        // Out of process: a crash that takes the runtime down with it (a stack overflow, an allocation the GC
        // heap limit refuses) is still reported to afl-fuzz as a crash of that input, and the next input starts a
        // fresh process instead of ending the run.
        Fuzzer.OutOfProcess.Run(harness);
        return 0;
    }
}
