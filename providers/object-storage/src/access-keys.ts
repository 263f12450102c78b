import type { ProviderError } from "@berth/provider-sdk";

/** An S3 key pair as a URL carries it: the access key id as the user, the secret key as the password. */
export interface AccessKeys {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * The percent-decoded key pair of a connection or admin URL. `refuse` makes the
 * error for bad encoding; its message names which URL it was and never quotes it.
 */
export function accessKeysOf(url: URL, whichUrl: string, refuse: (message: string) => ProviderError): AccessKeys {
  try {
    return { accessKeyId: decodeURIComponent(url.username), secretAccessKey: decodeURIComponent(url.password) };
  } catch {
    throw refuse(`${whichUrl} has invalid percent-encoding in its credentials`);
  }
}
