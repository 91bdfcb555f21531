using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EtcdAgent.Configuration.Sources;

/// <summary>
/// Reads config.yaml into YamlDotNet's representation model (no reflection), refusing what is not a configuration
/// before it costs memory or the stack: a huge file, a directory, nesting no setting needs, YAML that is not YAML.
/// </summary>
internal static class YamlFile
{
    /// <summary>Deepest mapping/sequence nesting accepted in config.yaml (the real settings go 4 deep).</summary>
    public const int MaxNesting = 64;

    private const int MaxConfigBytes = 16 << 20;

    /// <summary>The top-level mapping; null for an empty file. Problems that stop reading throw <see cref="ConfigurationException"/>.</summary>
    public static YamlMappingNode? Parse(string path, ConfigErrors errors)
    {
        var text = ReadText(path);
        try
        {
            CheckNesting(path, text);
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0)
            {
                return null;
            }

            if (stream.Documents[0].RootNode is YamlMappingNode mapping)
            {
                return mapping;
            }

            errors.Add(path, "(top level)", "must be a mapping of settings (cluster:, etcd:, store:, ...)");
            return null;
        }
        catch (YamlException ex)
        {
            throw new ConfigurationException($"{path}:{ex.Start.Line}:{ex.Start.Column}: not valid YAML: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet throws these instead of a YamlException on some malformed input (afl-fuzz: ": {\n/" from
            // its scanner, " : 0" from YamlStream): only YamlDotNet runs in this block, so they mean bad YAML too.
            throw new ConfigurationException(
                $"{path}: not valid YAML: the YAML reader failed on it ({ex.GetType().Name}); check the indentation, the ':' after each key and the brackets", ex);
        }
    }

    private static string ReadText(string path)
    {
        if (Directory.Exists(path))
        {
            throw new ConfigurationException($"config file {path} is a directory; pass --config FILE with the file itself (e.g. {Path.Combine(path, "config.yaml")})");
        }

        try
        {
            // A config is a few KiB: a huge file is not one, and must not be read into memory whole.
            if (new FileInfo(path) is { Exists: true, Length: > MaxConfigBytes } big)
            {
                throw new ConfigurationException($"config file {path} is {big.Length} bytes, more than the {MaxConfigBytes / 1024} KiB a configuration can be; pass the right file");
            }

            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ConfigurationException($"config file {path} does not exist; pass --config FILE (examples: /usr/share/doc/etcd-agent/examples/) or create it", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"cannot read config file {path}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Refuses nesting deeper than any configuration needs before YamlStream builds its tree: YamlDotNet's
    /// representation model recurses once per level, so tens of thousands of '[' overflow the stack and kill the
    /// process (no exception to catch). The parser walked here keeps its own state stack and does not recurse.
    /// </summary>
    private static void CheckNesting(string path, string text)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++depth > MaxNesting)
                    {
                        throw new ConfigurationException(
                            $"{path}:{parser.Current.Start.Line}:{parser.Current.Start.Column}: nested more than {MaxNesting} levels deep; a configuration needs at most 4");
                    }

                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
            }
        }
    }
}
