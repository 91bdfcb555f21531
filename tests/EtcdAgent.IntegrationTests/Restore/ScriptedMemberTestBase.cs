using EtcdAgent.IntegrationTests.Fixtures;
using Xunit;

namespace EtcdAgent.IntegrationTests.Restore;

/// <summary>
/// What the single-member restore test classes share: one real etcd started and stopped only through scripts, a
/// directory store and a state directory in a temp dir, all gone after the class.
/// </summary>
public abstract class ScriptedMemberTestBase(string prefix) : IAsyncLifetime, IDisposable
{
    protected TempDir Dir { get; } = new(prefix);

    protected ScriptedEtcd Etcd { get; private set; } = null!;

    protected string Store => Dir.File("store");

    protected string State => Dir.File("state");

    public async Task InitializeAsync()
    {
        Etcd = ScriptedEtcd.Create(Dir.Path, 1)[0];
        await Etcd.StartAsync();
        await Etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        Directory.CreateDirectory(Store);
        await SeedAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        Etcd?.Dispose();
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>What the class needs in etcd and the store before each test.</summary>
    protected virtual Task SeedAsync() => Task.CompletedTask;
}
