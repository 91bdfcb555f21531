using EtcdAgent.Configuration;
using EtcdAgent.Etcd;
using EtcdAgent.Restore;
using EtcdAgent.Restore.Topology;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Restore;

/// <summary>
/// The service the `restore` verb calls, without the command line: what the verb resolved once is used only where
/// needed, so a broken configuration blocks neither --abandon nor --rollback, and a journal not finished blocks a
/// new restore before anything is fetched.
/// </summary>
public sealed class RestoreServiceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("restore-service").FullName;
    private readonly StringWriter _out = new();

    public void Dispose()
    {
        _out.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void AMissingValueIsNullUntilRequiredAndABrokenOneAlwaysThrows()
    {
        var missing = Resolved<AgentOptions>.Missing(new ConfigurationException("no configuration: pass --config FILE"));
        var broken = Resolved<AgentOptions>.Broken(new ConfigurationException("config file /x does not exist"));

        Assert.Null(missing.OrNull);
        Assert.Equal("no configuration: pass --config FILE", Assert.Throws<ConfigurationException>(() => missing.Value).Message);
        Assert.Equal("config file /x does not exist", Assert.Throws<ConfigurationException>(() => broken.OrNull).Message);
        Assert.Equal("config file /x does not exist", Assert.Throws<ConfigurationException>(() => broken.Value).Message);
    }

    [Fact]
    public async Task AbandonNeedsNeitherTheConfigurationNorTheConnection()
    {
        var store = new JournalStore(Path.Combine(_root, "state"));
        store.Save(JournalSamples.Journal(_root, new TopologySpec("explicit", null, null, null, null)));

        var outcome = await Service(Resolved<EtcdConnectionSettings>.Broken(new ConfigurationException("password file is empty")))
            .AbandonAsync(yes: true, CancellationToken.None);

        Assert.Equal(RestoreOutcome.Done, outcome);
        Assert.Equal(JournalState.Abandoned, store.All().Single().State);
        Assert.Contains("Restore r1 abandoned.", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnfinishedJournalBlocksANewRestoreBeforeAnythingIsFetched()
    {
        var store = new JournalStore(Path.Combine(_root, "state"));
        store.Save(JournalSamples.Journal(_root, new TopologySpec("explicit", null, null, null, null)));
        var request = new RestoreRequest { Snapshot = "latest", StateDir = Path.Combine(_root, "state") };

        var error = await Assert.ThrowsAsync<ConfigurationException>(() =>
            Service(Resolved<EtcdConnectionSettings>.Of(new EtcdConnectionSettings { Endpoints = [new Uri("http://127.0.0.1:1")] }))
                .RestoreAsync(request, yes: true, CancellationToken.None));

        Assert.Contains("restore r1 (started 1970-01-01 00:00:00Z) did not finish: run `etcd-agent restore --resume`", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "data")));
    }

    private RestoreService Service(Resolved<EtcdConnectionSettings> connection) => new(new RestoreSession
    {
        Options = Resolved<AgentOptions>.Broken(new ConfigurationException("config file is broken")),
        Connection = connection,
        StateDir = Path.Combine(_root, "state"),
        Timeouts = new RestoreTimeouts(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)),
        Time = TimeProvider.System,
        Loggers = NullLoggerFactory.Instance,
        Environment = _ => null,
        Out = _out,
        Error = TextWriter.Null,
    });
}
