using System.CommandLine;
using System.Text.Json.Serialization;
using EtcdAgent.Doctor;
using EtcdAgent.Failures;
using EtcdAgent.Output;

namespace EtcdAgent.Commands;

/// <summary>
/// <c>etcd-agent doctor</c>: everything a first install gets wrong, one pass/warn/fail/skip line per check with the
/// fix. Exit 0 when nothing failed (warnings allowed), 1 otherwise.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create(CliContext context, ConnectionFlags connection, AgentFlags flags, Option<string> writeOut)
    {
        var command = new Command("doctor",
            "Check a first install: config, etcd (TLS, auth, member health, snapshot permission, clock), store round trip, key, spool, systemd");
        command.SetAction(async (parse, ct) =>
        {
            using var doctor = new DoctorContext
            {
                LoadOptions = () => flags.Load(parse, context),
                ResolveConnection = options => connection.Resolve(parse, context, options.Etcd),
                Time = context.Time,
                Loggers = context.Loggers,
                Environment = context.Environment,
            };
            IReadOnlyList<CheckOutcome> outcomes;
            try
            {
                outcomes = await DoctorRunner.RunAsync(DoctorRunner.AllChecks(), doctor, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return CommandFailure.Report(new OperationCanceledException(), context, doctor.Settings);
            }

            Write(context.Out, outcomes, parse.GetValue(writeOut) == OutputFormat.Json);
            return outcomes.Any(o => o.Result.Status == CheckStatus.Fail) ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }

    internal static void Write(TextWriter output, IReadOnlyList<CheckOutcome> outcomes, bool json)
    {
        if (json)
        {
            var items = outcomes.Select(o => new DoctorCheckJson(o.Name, o.Result.Status.ToString().ToLowerInvariant(), o.Result.Detail, o.Result.Fix)).ToList();
            output.WriteLine(System.Text.Json.JsonSerializer.Serialize(items, DoctorJsonContext.Default.ListDoctorCheckJson));
            return;
        }

        foreach (var (name, result) in outcomes)
        {
            output.WriteLine($"[{result.Status.ToString().ToUpperInvariant()}] {name}: {result.Detail}");
            if (result.Fix is not null)
            {
                output.WriteLine($"       fix: {result.Fix}");
            }
        }

        int Count(CheckStatus status) => outcomes.Count(o => o.Result.Status == status);
        output.WriteLine();
        output.WriteLine($"{outcomes.Count} checks: {Count(CheckStatus.Pass)} passed, {Count(CheckStatus.Warn)} warnings, " +
                         $"{Count(CheckStatus.Fail)} failed, {Count(CheckStatus.Skip)} skipped");
    }
}

/// <summary>One check for -w json: status is pass, warn, fail or skip; fix is absent on pass and skip.</summary>
internal sealed record DoctorCheckJson(string Name, string Status, string Detail, string? Fix);

/// <summary>Source-generated (trimming-safe) serialization of doctor's report; kept apart from AgentJsonContext.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<DoctorCheckJson>))]
internal sealed partial class DoctorJsonContext : JsonSerializerContext;
