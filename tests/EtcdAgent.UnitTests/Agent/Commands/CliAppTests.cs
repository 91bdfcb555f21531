using EtcdAgent.Failures;
using EtcdAgent.Protocol.Etcd;
using Grpc.Core;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Commands;

public sealed class CliAppTests
{
    [Fact]
    public async Task UnknownOutputFormatIsAUsageError()
    {
        var cli = new CliHarness();
        var code = await cli.RunAsync("version", "-w", "xml");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("xml", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VersionPrintsJson()
    {
        var cli = new CliHarness();
        var code = await cli.RunAsync("version", "-w", "json");
        Assert.Equal(ExitCodes.Success, code);
        using var doc = System.Text.Json.JsonDocument.Parse(cli.Out.ToString());
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("version").GetString()));
    }

    [Fact]
    public async Task HelpListsTheExitCodes()
    {
        var cli = new CliHarness();
        await cli.RunAsync("--help");
        Assert.Contains("Exit codes:", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GroupReadableKeyFileIsRefusedBeforeAnyConnection()
    {
        var dir = Directory.CreateTempSubdirectory("cli-").FullName;
        try
        {
            var key = Path.Combine(dir, "client.key");
            File.WriteAllText(key, "x");
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.GroupRead);
            var cli = new CliHarness();

            var code = await cli.RunAsync("endpoint", "status", "--endpoints", "https://127.0.0.1:1", "--cert", key, "--key", key);

            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains("chmod 600", cli.Error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument, "etcdserver: authentication failed, invalid user ID or password", ExitCodes.AuthFailed)]
    [InlineData(StatusCode.Unknown, "auth: permission denied", ExitCodes.AuthFailed)]
    [InlineData(StatusCode.InvalidArgument, "etcdserver: user name is empty", ExitCodes.AuthFailed)]
    [InlineData(StatusCode.Unavailable, "cannot connect", ExitCodes.Unavailable)]
    [InlineData(StatusCode.DeadlineExceeded, "slow", ExitCodes.Unavailable)]
    [InlineData(StatusCode.Internal, "bad frame", ExitCodes.Failure)]
    public void FailuresMapToDocumentedExitCodes(StatusCode code, string detail, int expected)
    {
        var (exit, message) = FailureMessages.Describe(new EtcdRpcException(code, detail), null);
        Assert.Equal(expected, exit);
        Assert.Contains(detail, message, StringComparison.Ordinal);
    }

    [Fact]
    public void PermissionDeniedExplainsTheRootRole()
    {
        var (_, message) = FailureMessages.Describe(new EtcdRpcException(StatusCode.Unknown, "auth: permission denied"), null);
        Assert.Contains("root role", message, StringComparison.Ordinal);
    }
}
