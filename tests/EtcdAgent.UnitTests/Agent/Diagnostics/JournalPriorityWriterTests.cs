using EtcdAgent.Diagnostics;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Diagnostics;

public sealed class JournalPriorityWriterTests
{
    [Fact]
    public void ErrorsAndWarningsWithTheirIndentedLinesGetPrioritiesOtherLinesNone()
    {
        using var inner = new StringWriter { NewLine = "\n" };
        using (var writer = new JournalPriorityWriter(inner) { NewLine = "\n" })
        {
            writer.WriteLine("Error: the configuration has 2 problems:");
            writer.Write("  config.yaml:3:5: store.type \"x\" must be one of: s3, local\n  config.yaml:9:1: ");
            writer.WriteLine("retention.keepLast must be a whole number");
            writer.WriteLine("Restoring member n1");
            writer.WriteLine("  step 1 of 3");
            writer.WriteLine("Warning: backup b1 is damaged: sha256 mismatch");
            writer.Write("a last line without newline");
        }

        Assert.Equal(
            "<3>Error: the configuration has 2 problems:\n" +
            "<3>  config.yaml:3:5: store.type \"x\" must be one of: s3, local\n" +
            "<3>  config.yaml:9:1: retention.keepLast must be a whole number\n" +
            "Restoring member n1\n" +
            "  step 1 of 3\n" +
            "<4>Warning: backup b1 is damaged: sha256 mismatch\n" +
            "a last line without newline\n",
            inner.ToString());
    }

    [Fact]
    public void OnlyTheJournalsOwnStreamCountsAsTheJournal()
    {
        // A test's stderr is a pipe or a terminal, never the socket a stale JOURNAL_STREAM (inherited from a unit
        // through a shell) names.
        Assert.False(JournalStream.IsStderr(name => name == "JOURNAL_STREAM" ? "8:12345" : null));
        Assert.False(JournalStream.IsStderr(_ => null));
        Assert.False(JournalStream.IsStderr(name => name == "JOURNAL_STREAM" ? "garbage" : null));
        using var stderr = new StringWriter();
        Assert.Same(stderr, JournalPriorityWriter.For(stderr, name => name == "JOURNAL_STREAM" ? "8:12345" : null));
    }
}
