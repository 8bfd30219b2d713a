// Slack installations (OAuth) hold each workspace's bot token, which can post as the app in that
// workspace. They are stored in the project's database, which other processes read (the share, backups,
// a copied folder), so each one is sealed there with AES-256-GCM under a key from the environment
// (SLACK_INSTALLATION_KEY), never written in the clear. The row's id (the workspace) is bound in as
// associated data, so a sealed installation cannot be moved to another workspace's row.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export const KEY_VARIABLE = 'SLACK_INSTALLATION_KEY';
/** How to make a key, for messages. */
export const MAKE_A_KEY = `openssl rand -base64 32`;
const MIN_KEY_CHARACTERS = 32;

export interface SealedInstallation {
  sealed: 'aes-256-gcm';
  /** Which key sealed it (a digest, not the key), so a changed key is named as such. */
  keyId: string;
  iv: string;
  tag: string;
  data: string;
}

export class InstallationKeyError extends Error {
  override name = 'InstallationKeyError';
}

export function isSealed(value: unknown): value is SealedInstallation {
  return (
    typeof value === 'object' && value !== null && (value as { sealed?: unknown }).sealed === 'aes-256-gcm'
  );
}

/** Why a key from the environment cannot be used, or null when it can. */
export function keyProblem(secret: string | undefined): string | null {
  if (!secret) return `is not set; make one with  ${MAKE_A_KEY}  and keep it with the app's other secrets`;
  if (secret.length < MIN_KEY_CHARACTERS)
    return `is too short (${secret.length} characters; at least ${MIN_KEY_CHARACTERS}): make one with  ${MAKE_A_KEY}`;
  return null;
}

export class InstallationKey {
  private readonly key: Buffer;
  readonly id: string;

  constructor(secret: string) {
    const problem = keyProblem(secret);
    if (problem) throw new InstallationKeyError(`${KEY_VARIABLE} ${problem}`);
    // HKDF turns any long random string (base64, hex, a passphrase) into a 256-bit key.
    this.key = Buffer.from(hkdfSync('sha256', secret, 'oversight', 'slack installations', 32));
    this.id = createHmac('sha256', this.key).update('key id').digest('hex').slice(0, 12);
  }

  seal(rowId: string, installation: unknown): SealedInstallation {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(rowId));
    const data = Buffer.concat([cipher.update(JSON.stringify(installation), 'utf8'), cipher.final()]);
    return {
      sealed: 'aes-256-gcm',
      keyId: this.id,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
  }

  open(rowId: string, sealed: SealedInstallation): unknown {
    if (sealed.keyId !== this.id)
      throw new InstallationKeyError(
        `the installation of ${rowId} was stored under another ${KEY_VARIABLE} (key id ${sealed.keyId}; this one is ${this.id}). ` +
          `Set ${KEY_VARIABLE} back to the key it was stored with, or install the app in that workspace again (/slack/install) to store it under this one`,
      );
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(Buffer.from(rowId));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      const text = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
      return JSON.parse(text.toString('utf8'));
    } catch {
      throw new InstallationKeyError(
        `the stored installation of ${rowId} does not open with ${KEY_VARIABLE} (it was altered, or moved from another row); install the app in that workspace again (/slack/install)`,
      );
    }
  }
}
