namespace EtcdAgent.Etcd;

/// <summary>Endpoints as operators write them: scheme://host:port, no trailing slash.</summary>
internal static class EndpointDisplay
{
    public static string Display(this Uri endpoint) => endpoint.GetLeftPart(UriPartial.Authority);
}
