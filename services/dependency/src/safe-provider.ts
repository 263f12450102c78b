import { maskConnectionUrl, maskSafeMetadata, redactSecrets, secretPartsOfUrl, type ConnectionDescription, type Provider, type RealizeResult } from "@berth/provider-sdk";

/**
 * The provider as the dependency service uses it: what it describes or
 * realizes is checked against the SDK's masking before Berth stores or shows
 * it, so a plugin that forgets a URL form (a password-only Redis userinfo, a
 * secret query parameter, a user name equal to the password) cannot put the
 * secret into safe metadata or the masked URL. Every other member is the
 * provider's own (prototype chain), so `this` and optional verbs behave as before.
 */
export function withSafeOutput(provider: Provider): Provider {
  const safe = Object.create(provider) as Provider;
  safe.describeConnection = (kind, connectionUrl) => safeDescription(provider.describeConnection(kind, connectionUrl), connectionUrl);
  if (provider.realize) {
    safe.realize = async (request) => {
      const result: RealizeResult = await provider.realize!(request);
      return { ...result, metadata: maskSafeMetadata(result.metadata, result.connectionUrl) };
    };
  }
  return safe;
}

/** The provider's description, unless it still holds a secret of the URL: then the SDK's own. */
function safeDescription(description: ConnectionDescription, connectionUrl: string): ConnectionDescription {
  const secrets = secretPartsOfUrl(connectionUrl);
  const leaks = redactSecrets(description.maskedUrl, secrets) !== description.maskedUrl || secrets.includes(description.maskedUrl);
  return {
    metadata: maskSafeMetadata(description.metadata, connectionUrl),
    maskedUrl: leaks ? maskConnectionUrl(connectionUrl) : description.maskedUrl,
  };
}
