/** A parsed secret reference: secret://<owner id>/<name>@<version>. */
export interface SecretReference {
  ownerId: string;
  name: string;
  version: number;
}

const PATTERN = /^secret:\/\/([a-z]+_[A-Za-z0-9]+)\/([a-z][a-z0-9-]*)@([1-9][0-9]*)$/;

export function formatSecretReference(ref: SecretReference): string {
  return `secret://${ref.ownerId}/${ref.name}@${ref.version}`;
}

/** Returns undefined for anything that is not a well-formed reference. */
export function parseSecretReference(text: string): SecretReference | undefined {
  const match = PATTERN.exec(text);
  return match ? { ownerId: match[1], name: match[2], version: Number(match[3]) } : undefined;
}
