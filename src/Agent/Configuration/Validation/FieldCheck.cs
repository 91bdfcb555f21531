using System.Globalization;

namespace EtcdAgent.Configuration.Validation;

/// <summary>
/// Turns one section's bound text into typed values, reporting every bad one to <see cref="ConfigErrors"/> with the
/// place it came from (file line, environment variable or flag) and the key's full path, and returning null for it
/// so the caller carries on and the operator hears about all problems at once.
/// </summary>
internal sealed class FieldCheck(string section, ConfigErrors errors, Func<string, string> positionOf)
{
    public ConfigErrors Errors => errors;

    /// <summary>Dotted path of a key in this section ("store.s3.bucket").</summary>
    public string PathOf(string key) => section.Length == 0 ? key : $"{section}.{key}";

    /// <summary>The section below this one.</summary>
    public FieldCheck Section(string key) => new(PathOf(key), errors, positionOf);

    /// <summary>The value; an empty one counts as unset.</summary>
    public static string? Text(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>Reports a required key that is unset (at the file, not a line: there is no line to point at).</summary>
    public string Require(string key, string? value, string why)
    {
        if (Text(value) is { } text)
        {
            return text;
        }

        errors.Add(errors.FileName, PathOf(key), $"is required: {why} (or set {ConfigSchema.EnvironmentName(PathOf(key))})");
        return string.Empty;
    }

    public int? Int(string key, string? value, int min, int max)
    {
        if (Text(value) is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) || parsed < min || parsed > max)
        {
            Invalid(key, $"{Output.Echo.Quoted(text)} must be a whole number from {min} to {max}");
            return null;
        }

        return parsed;
    }

    public double? Fraction(string key, string? value)
    {
        if (Text(value) is not { } text)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || parsed is <= 0 or > 1 || double.IsNaN(parsed))
        {
            Invalid(key, $"{Output.Echo.Quoted(text)} must be a fraction above 0 and at most 1 (e.g. 0.5)");
            return null;
        }

        return parsed;
    }

    public bool? Bool(string key, string? value)
    {
        switch (Text(value)?.ToLowerInvariant())
        {
            case null:
                return null;
            case "true" or "yes" or "on":
                return true;
            case "false" or "no" or "off":
                return false;
            default:
                Invalid(key, $"{Output.Echo.Quoted(value!)} must be true or false");
                return null;
        }
    }

    /// <summary>A duration in Go/etcdctl form ("30s", "1h30m"), within [min, max].</summary>
    public TimeSpan? Duration(string key, string? value, TimeSpan min, TimeSpan max)
    {
        if (Text(value) is not { } text)
        {
            return null;
        }

        if (!GoDuration.TryParse(text, out var parsed) || parsed < min || parsed > max)
        {
            Invalid(key, $"{Output.Echo.Quoted(text)} must be a duration like 30s, 5m or 2h, from {GoDuration.Format(min)} to {GoDuration.Format(max)}");
            return null;
        }

        return parsed;
    }

    /// <summary>A size ("16MiB", "512KiB", "1GiB", "1048576"), within [min, max].</summary>
    public long? Bytes(string key, string? value, long min, long max)
    {
        if (Text(value) is not { } text)
        {
            return null;
        }

        if (!ByteSizes.TryParse(text, out var parsed) || parsed < min || parsed > max)
        {
            Invalid(key, $"{Output.Echo.Quoted(text)} must be a size like 16MiB or 1GiB, from {ByteSizes.Format(min)} to {ByteSizes.Format(max)}");
            return null;
        }

        return parsed;
    }

    /// <summary>One of <paramref name="allowed"/> (case-insensitive); returns the allowed spelling.</summary>
    public string? OneOf(string key, string? value, params string[] allowed)
    {
        if (Text(value) is not { } text)
        {
            return null;
        }

        var match = allowed.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            Invalid(key, $"{Output.Echo.Quoted(text)} must be one of: {string.Join(", ", allowed)}");
        }

        return match;
    }

    /// <summary>An http(s) URL; null when unset or invalid (reported with <paramref name="example"/>).</summary>
    public Uri? HttpUrl(string key, string? value, string example = "")
    {
        if (Text(value) is not { } text)
        {
            return null;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            return url;
        }

        Invalid(key, $"{Output.Echo.Quoted(text)} must be an http:// or https:// URL{example}");
        return null;
    }

    /// <summary>An IANA time zone; null when unset or invalid (reported), so the caller applies its default.</summary>
    public TimeZoneInfo? TimeZone(string key, string? value)
    {
        if (Text(value) is not { } name)
        {
            return null;
        }

        if (TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone))
        {
            return zone;
        }

        Invalid(key, $"{Output.Echo.Quoted(name)} is not a known time zone (use an IANA name such as Europe/Berlin, or UTC)");
        return null;
    }

    /// <summary>Reports that an absolute path is needed when <paramref name="value"/> is set and relative.</summary>
    public void AbsolutePath(string key, string? value)
    {
        if (Text(value) is { } text && !Path.IsPathFullyQualified(text))
        {
            Invalid(key, $"{Output.Echo.Quoted(text)} must be an absolute path");
        }
    }

    /// <summary>Reports a problem with a key's value, at the place the value came from.</summary>
    public void Invalid(string key, string message) => errors.Add(positionOf(PathOf(key)), PathOf(key), message);
}
