import type { Database } from '@oversight/db';
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import { type InstallationKey, isSealed } from './installation-key.ts';

/**
 * Web API clients per workspace for the work that follows a request (thread posts, DMs, reminders):
 * one bot token in Socket Mode and single-workspace HTTP mode, else the token of the workspace's
 * OAuth installation, read from the project's database. One client per token, so a 429 in one
 * workspace (the client waits out Retry-After, pausing its queue) does not hold up the others.
 */

export class InstallationMissing extends Error {
  override name = 'InstallationMissing';
}

/**
 * Bolt's installation store over the project's database (SlackInstallation rows), each sealed with
 * the key (installation-key.ts). A row stored in the clear by an earlier version is sealed when first read.
 */
export function databaseInstallationStore(
  db: Database,
  key: InstallationKey,
  onSealedOld: (rowId: string) => void = () => {},
): InstallationStore {
  const keyOf = (q: {
    isEnterpriseInstall?: boolean;
    enterpriseId?: string | undefined;
    teamId?: string | undefined;
  }) => (q.isEnterpriseInstall && q.enterpriseId ? `E:${q.enterpriseId}` : (q.teamId ?? ''));
  return {
    async storeInstallation(installation: Installation) {
      const rowId = keyOf({
        isEnterpriseInstall: installation.isEnterpriseInstall ?? false,
        enterpriseId: installation.enterprise?.id,
        teamId: installation.team?.id,
      });
      if (!rowId) throw new Error('an installation without a team or enterprise id cannot be stored');
      await db.chat.saveInstallation(rowId, key.seal(rowId, installation));
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const rowId = keyOf(query);
      const found = await db.chat.installation(rowId);
      if (!found)
        throw new InstallationMissing(
          `the app is not installed in workspace ${query.teamId ?? query.enterpriseId}`,
        );
      if (isSealed(found)) return key.open(rowId, found) as Installation;
      await db.chat.saveInstallation(rowId, key.seal(rowId, found));
      onSealedOld(rowId);
      return found as Installation;
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      await db.chat.deleteInstallation(keyOf(query));
    },
  };
}

export class Clients {
  private readonly byToken = new Map<string, WebClient>();

  constructor(
    private readonly options: {
      clientOptions: WebClientOptions;
      /** The one workspace's bot token (Socket Mode, single-workspace HTTP). */
      botToken?: string;
      installations?: InstallationStore;
    },
  ) {}

  async tokenFor(team: string): Promise<string> {
    if (this.options.botToken) return this.options.botToken;
    const installation = await this.options.installations!.fetchInstallation({
      teamId: team,
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    const token = installation.bot?.token;
    if (!token) throw new InstallationMissing(`the installation of workspace ${team} has no bot token`);
    return token;
  }

  async forTeam(team: string): Promise<WebClient> {
    return this.forToken(await this.tokenFor(team));
  }

  forToken(token: string): WebClient {
    let client = this.byToken.get(token);
    if (!client) {
      client = new WebClient(token, this.options.clientOptions);
      this.byToken.set(token, client);
    }
    return client;
  }
}
