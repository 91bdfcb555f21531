namespace EtcdAgent.Restore;

/// <summary>
/// The last check before a restored member starts: its own ports are still closed, and no other member of the
/// initial cluster is an old member still running. An old member that answers would be joined by nothing (the
/// restored cluster has a new id) but would keep serving stale data to API servers: every old member must be down.
/// Members restored by this same restore (same token) answer with the new cluster id and are welcome.
/// </summary>
internal static class StartGate
{
    public static async Task CheckAsync(RestoreJournal journal, TextWriter output, CancellationToken cancellationToken)
    {
        foreach (var url in journal.Member.PortsToGate)
        {
            if (await PortProbe.IsOpenAsync(url, cancellationToken).ConfigureAwait(false))
            {
                throw new RestoreStepException($"something answers on {url} again: the old etcd was restarted after it was stopped. Stop it and run restore --resume.");
            }
        }

        var cluster = InitialCluster.Parse(journal.InitialCluster, "journal");
        var ours = Output.Hex.Id(cluster.ClusterId(journal.Token));
        var problems = new List<string>();
        foreach (var (name, urls) in cluster.Members)
        {
            if (name == journal.Member.Name)
            {
                continue;
            }

            foreach (var url in urls)
            {
                string? id;
                try
                {
                    id = await PeerProbe.ClusterIdAsync(new Uri(url), journal.Member, cancellationToken).ConfigureAwait(false);
                }
                catch (HttpRequestException ex)
                {
                    problems.Add($"{name} at {url} answers but cannot be identified ({ex.Message})");
                    continue;
                }

                if (id is null)
                {
                    output.WriteLine($"    {name} ({url}): stopped");
                }
                else if (id == ours)
                {
                    output.WriteLine($"    {name} ({url}): already restored (cluster {ours})");
                }
                else
                {
                    problems.Add($"{name} at {url} is still running as a member of the old cluster {id}");
                }
            }
        }

        if (problems.Count == 0)
        {
            return;
        }

        var text = string.Join("; ", problems);
        if (journal.ForceStart)
        {
            output.WriteLine($"    WARNING (--force-start): {text}");
            return;
        }

        throw new RestoreStepException(
            $"refusing to start the restored member: {text}. Stop every old etcd member (and every kube-apiserver) first, then run restore --resume. " +
            "(--force-start overrides this check; use it only when that member is known to be fenced off.)");
    }
}
