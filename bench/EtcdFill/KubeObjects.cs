using System.Globalization;
using System.Text;

namespace EtcdAgent.Bench;

/// <summary>
/// Kubernetes-like JSON objects (Pods, ConfigMaps, Secrets, Events) with the shape that decides how etcd data
/// compresses: repeated field names, labels, managedFields and images, plus high-entropy parts (UIDs, resource
/// versions, base64 payloads of Secrets and ConfigMaps). Deterministic for a seed.
/// </summary>
internal sealed class KubeObjects(int seed)
{
    private static readonly string[] Kinds = ["pods", "configmaps", "secrets", "events"];
    private static readonly string[] Namespaces = ["default", "kube-system", "monitoring", "payments", "checkout", "search", "ingress-nginx", "cert-manager"];
    private static readonly string[] Apps = ["api", "web", "worker", "cache", "gateway", "scheduler", "indexer", "billing"];
    private static readonly string[] Images = ["registry.k8s.io/pause:3.9", "docker.io/library/nginx:1.25.3", "ghcr.io/acme/api:v2.14.1", "quay.io/prometheus/node-exporter:v1.7.0"];
    private readonly Random _random = new(seed);

    /// <summary>The next object as (key, value).</summary>
    public (string Key, byte[] Value) Next(int n)
    {
        var kind = Kinds[n % Kinds.Length];
        var ns = Namespaces[_random.Next(Namespaces.Length)];
        var app = Apps[_random.Next(Apps.Length)];
        var name = $"{app}-{Hex(5)}-{Hex(5)}";
        var json = new StringBuilder(8192);
        json.Append(CultureInfo.InvariantCulture, $"{{\"kind\":\"{Singular(kind)}\",\"apiVersion\":\"v1\",\"metadata\":{{\"name\":\"{name}\",\"namespace\":\"{ns}\",");
        json.Append(CultureInfo.InvariantCulture, $"\"uid\":\"{Hex(8)}-{Hex(4)}-{Hex(4)}-{Hex(4)}-{Hex(12)}\",\"resourceVersion\":\"{_random.Next(1, 99999999)}\",");
        json.Append(CultureInfo.InvariantCulture, $"\"creationTimestamp\":\"2026-{_random.Next(1, 12):D2}-{_random.Next(1, 28):D2}T{_random.Next(24):D2}:{_random.Next(60):D2}:{_random.Next(60):D2}Z\",");
        json.Append(CultureInfo.InvariantCulture, $"\"labels\":{{\"app.kubernetes.io/name\":\"{app}\",\"app.kubernetes.io/part-of\":\"shop\",\"pod-template-hash\":\"{Hex(10)}\"}},");
        json.Append("\"managedFields\":[");
        for (var i = 0; i < 1 + _random.Next(3); i++)
        {
            json.Append(CultureInfo.InvariantCulture, $"{{\"manager\":\"kube-controller-manager\",\"operation\":\"Update\",\"apiVersion\":\"v1\",\"time\":\"2026-11-{_random.Next(1, 28):D2}T10:{_random.Next(60):D2}:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{{\"f:metadata\":{{\"f:labels\":{{\".\":{{}},\"f:app.kubernetes.io/name\":{{}}}}}},\"f:spec\":{{\"f:containers\":{{}}}}}}}},");
        }

        json.Length--;
        json.Append("]},");
        switch (kind)
        {
            case "pods":
                json.Append("\"spec\":{\"containers\":[");
                for (var c = 0; c < 1 + _random.Next(3); c++)
                {
                    json.Append(CultureInfo.InvariantCulture, $"{{\"name\":\"{app}-{c}\",\"image\":\"{Images[_random.Next(Images.Length)]}\",\"ports\":[{{\"containerPort\":{8000 + _random.Next(100)},\"protocol\":\"TCP\"}}],\"resources\":{{\"limits\":{{\"cpu\":\"500m\",\"memory\":\"512Mi\"}},\"requests\":{{\"cpu\":\"100m\",\"memory\":\"128Mi\"}}}},\"env\":[{{\"name\":\"POD_NAME\",\"valueFrom\":{{\"fieldRef\":{{\"fieldPath\":\"metadata.name\"}}}}}},{{\"name\":\"LOG_LEVEL\",\"value\":\"info\"}}],\"terminationMessagePath\":\"/dev/termination-log\",\"imagePullPolicy\":\"IfNotPresent\"}},");
                }

                json.Length--;
                json.Append(CultureInfo.InvariantCulture, $"],\"restartPolicy\":\"Always\",\"nodeName\":\"node-{_random.Next(40):D2}\",\"serviceAccountName\":\"default\"}},\"status\":{{\"phase\":\"Running\",\"podIP\":\"10.{_random.Next(256)}.{_random.Next(256)}.{_random.Next(256)}\"}}}}");
                break;
            case "events":
                json.Append(CultureInfo.InvariantCulture, $"\"reason\":\"Pulled\",\"message\":\"Successfully pulled image \\\"{Images[_random.Next(Images.Length)]}\\\" in {_random.Next(100, 9999)}ms\",\"count\":{_random.Next(1, 50)},\"type\":\"Normal\"}}");
                break;
            default: // configmaps and secrets: a few entries of payload, base64 like the real thing
                json.Append("\"data\":{");
                for (var d = 0; d < 1 + _random.Next(4); d++)
                {
                    var payload = new byte[256 + _random.Next(kind == "secrets" ? 2048 : 6144)];
                    if (kind == "secrets")
                    {
                        _random.NextBytes(payload);
                    }
                    else
                    {
                        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, payload.Length / 8 + 1).Select(i => $"key{i % 17}=value-{_random.Next(1000)};\n"))).AsSpan(0, payload.Length).CopyTo(payload);
                    }

                    json.Append(CultureInfo.InvariantCulture, $"\"entry-{d}\":\"{Convert.ToBase64String(payload)}\",");
                }

                json.Length--;
                json.Append("}}");
                break;
        }

        return ($"/registry/{kind}/{ns}/{name}", Encoding.UTF8.GetBytes(json.ToString()));
    }

    private static string Singular(string kind) => kind switch
    {
        "pods" => "Pod",
        "configmaps" => "ConfigMap",
        "secrets" => "Secret",
        _ => "Event",
    };

    private string Hex(int length)
    {
        Span<byte> bytes = stackalloc byte[(length + 1) / 2];
        _random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes)[..length];
    }
}
