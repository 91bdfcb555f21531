using System.Text.Json.Nodes;
using EtcdAgent.Manifests;
using Xunit;

namespace EtcdAgent.UnitTests.Agent.Manifests;

public sealed class BackupManifestTests
{
    [Fact]
    public void ParseReadsAValidManifest()
    {
        var manifest = Parse(Valid().ToJsonString());
        Assert.Equal("20260102T030405Z-node-a-r73", manifest.Id);
        Assert.Equal("https://10.0.0.1:2380", manifest.Members[0].PeerUrls[0]);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("1e10")]
    [InlineData("2147483648")]
    [InlineData("0")]
    [InlineData("-1")]
    public void ParseRejectsAFormatVersionThatIsNotAWholeNumberFromOne(string version)
    {
        // Found while writing the manifest harness (docs/fuzzing.md): GetInt32 threw FormatException for 1.5 and
        // 1e10, which the catalog does not catch: one damaged manifest.json crashed `backup list`.
        var error = Assert.Throws<InvalidDataException>(() => Parse($$"""{"formatVersion":{{version}}}"""));
        Assert.Contains($"formatVersion {version}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("cluster")]
    [InlineData("stored")]
    [InlineData("members")]
    [InlineData("createdAt")]
    public void ParseRejectsNullWhereTheManifestHasAValue(string property)
    {
        // Null passed for every non-nullable property, and `restore`, `backup list` and the fetch then threw
        // NullReferenceException reading it.
        var json = Valid();
        json[property] = null;
        var error = Assert.Throws<InvalidDataException>(() => Parse(json.ToJsonString()));
        Assert.StartsWith("m is not a valid manifest", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"stored":{"key":null,"sha256":"b","size":1}}""", "key")]
    [InlineData("""{"codecs":{"compression":null,"level":1,"encryption":null,"keyId":null}}""", "compression")]
    public void ParseRejectsNullInsideANestedRecord(string replacement, string property)
    {
        var json = Valid();
        foreach (var (name, value) in JsonNode.Parse(replacement)!.AsObject())
        {
            json[name] = value?.DeepClone();
        }

        var error = Assert.Throws<InvalidDataException>(() => Parse(json.ToJsonString()));
        Assert.Contains(property, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ParseKeepsNullWhereTheManifestAllowsIt()
    {
        var json = Valid();
        json["codecs"]!["encryption"] = null;
        json["codecs"]!["keyId"] = null;
        json["status"]!["liveKeys"] = null;
        var manifest = Parse(json.ToJsonString());
        Assert.Null(manifest.Codecs.KeyId);
        Assert.Null(manifest.Status.LiveKeys);
    }

    [Theory]
    [InlineData("""[null]""", "members[0]")]
    [InlineData("""[{"id":"1","name":"a","peerUrls":[null],"clientUrls":[],"isLearner":false}]""", "a URL of members[0]")]
    [InlineData("""[{"id":"1","name":"a","peerUrls":[],"clientUrls":["x",null],"isLearner":false}]""", "a URL of members[0]")]
    public void ParseRejectsNullListItems(string members, string where)
    {
        var json = Valid();
        json["members"] = JsonNode.Parse(members);
        var error = Assert.Throws<InvalidDataException>(() => Parse(json.ToJsonString()));
        Assert.Equal($"m is not a valid manifest: {where} is null", error.Message);
    }

    private static BackupManifest Parse(string json) => BackupManifest.Parse(System.Text.Encoding.UTF8.GetBytes(json), "m");

    private static JsonObject Valid() => JsonNode.Parse("""
        {
          "formatVersion": 1, "id": "20260102T030405Z-node-a-r73",
          "cluster": {"name": "lab", "id": "cdf818194e3a8c32"},
          "source": {"memberId": "8e9e05c52164694d", "memberName": "node-a", "endpoint": "https://10.0.0.1:2379"},
          "members": [{"id": "8e9e05c52164694d", "name": "node-a", "peerUrls": ["https://10.0.0.1:2380"],
                       "clientUrls": ["https://10.0.0.1:2379"], "isLearner": false}],
          "etcdVersion": "3.5.17", "revision": 73, "raftIndex": 80, "raftTerm": 2,
          "status": {"hash": 2474808075, "revision": 73, "totalKey": 77, "totalSize": 53248, "liveKeys": 50},
          "raw": {"sha256": "aa", "size": 53280},
          "stored": {"key": "lab/20260102T030405Z-node-a-r73/snapshot.db.zst", "sha256": "bb", "size": 9000},
          "codecs": {"compression": "zstd", "level": 1, "encryption": "aes-256-gcm", "keyId": "0011223344556677"},
          "createdAt": "2026-01-02T03:04:05+00:00", "durationSeconds": 1.5, "agentVersion": "0.1.0", "node": "node-a"
        }
        """)!.AsObject();
}
