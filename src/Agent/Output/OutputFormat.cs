using System.CommandLine;

namespace EtcdAgent.Output;

/// <summary>The -w/--write-out flag: table for people, json for scripts.</summary>
internal static class OutputFormat
{
    public const string Table = "table";
    public const string Json = "json";

    public static Option<string> CreateOption()
    {
        var option = new Option<string>("--write-out", "-w")
        {
            Description = "Output format: table or json",
            DefaultValueFactory = _ => Table,
            Recursive = true,
        };
        option.AcceptOnlyFromAmong(Table, Json);
        return option;
    }
}
