/**
 * Arguer skill as Bradley-Terry ratings, honest and dishonest separately.
 *
 * Each arguer gets two players: "<id> (honest)" when assigned the correct answer and
 * "<id> (dishonest)" when assigned a wrong one. A debate judgment is a match between the honest
 * and the dishonest debater (the honest one wins when the judge is correct). A consultancy or
 * sandwiching judgment is a match between the single arguer and a per-protocol baseline player
 * (the arguer wins when the judge accepts its answer).
 *
 * Bradley-Terry is fitted on the aggregated win matrix, so it does not depend on the order of
 * the matches; sequential Elo (eloRatings), which does, is reported beside it. A weak prior — each player plays `priorGames` virtual games against
 * an anchor of strength 1, winning half — keeps ratings finite for unbeaten or winless players
 * and fixes the scale. Fitting uses Hunter's (2004) MM iterations, which increase the posterior
 * at every step; standard errors come from the inverse observed information (log scale).
 */
import { isDebateProtocol, isSingleArguerProtocol, type JudgmentRow, type Protocol } from './judgment.ts';
import { type JudgmentTable, judgmentTable } from './judgment-table.ts';
import { invert, solve } from './linalg.ts';

export interface Match {
  player1: string;
  player2: string;
  /** True when player1 won. */
  player1Won: boolean;
}

export interface BradleyTerryOptions {
  /** Virtual games per player against the anchor (half won). Default 2. */
  priorGames?: number;
  maxIterations?: number;
  tolerance?: number;
}

export interface PlayerRating {
  player: string;
  /** log strength (natural log) relative to the mean over players. */
  logStrength: number;
  /** Elo-scale rating: 1500 + 400·log10(strength / geometric-mean strength). */
  elo: number;
  /** Standard error of `elo` (null if the information matrix could not be inverted). */
  eloStandardError: number | null;
  games: number;
  wins: number;
}

export interface BradleyTerryFit {
  ratings: PlayerRating[];
  iterations: number;
  converged: boolean;
}

const ELO_PER_LOG = 400 / Math.LN10;

/** Single games in the order added (growable typed arrays: a million judgments are a million games). */
export class GameSequence {
  a = new Int32Array(256);
  b = new Int32Array(256);
  aWon = new Float64Array(256);
  length = 0;

  push(a: number, b: number, aWon: number): void {
    if (this.length === this.a.length) {
      const grow = <T extends Int32Array | Float64Array>(x: T, make: (n: number) => T): T => {
        const y = make(2 * x.length);
        y.set(x);
        return y;
      };
      this.a = grow(this.a, (n) => new Int32Array(n));
      this.b = grow(this.b, (n) => new Int32Array(n));
      this.aWon = grow(this.aWon, (n) => new Float64Array(n));
    }
    this.a[this.length] = a;
    this.b[this.length] = b;
    this.aWon[this.length] = aWon;
    this.length++;
  }
}

/** Aggregated results: players, wins per player and games per unordered pair. */
export class MatchTable {
  readonly players: string[] = [];
  readonly wins: number[] = [];
  readonly games: number[] = [];
  /** Single games in the order added (for Elo, which depends on the order). */
  readonly sequence = new GameSequence();
  private readonly index = new Map<string, number>();
  private readonly pairs = new Map<number, number>();

  /** The integer id of a player, registering it on first use. */
  id(player: string): number {
    let i = this.index.get(player);
    if (i === undefined) {
      i = this.players.length;
      this.index.set(player, i);
      this.players.push(player);
      this.wins.push(0);
      this.games.push(0);
    }
    return i;
  }

  /** Record `count` games between player1 and player2 of which player1 won `player1Wins`. */
  add(player1: string, player2: string, player1Wins: number, count = 1): void {
    this.addById(this.id(player1), this.id(player2), player1Wins, count);
  }

  /** As add(), with ids from id(). */
  addById(a: number, b: number, player1Wins: number, count = 1): void {
    if (a === b || count === 0) return;
    if (count === 1) this.sequence.push(a, b, player1Wins);
    this.wins[a]! += player1Wins;
    this.wins[b]! += count - player1Wins;
    this.games[a]! += count;
    this.games[b]! += count;
    const key = a < b ? a * 1048576 + b : b * 1048576 + a;
    this.pairs.set(key, (this.pairs.get(key) ?? 0) + count);
  }

  /**
   * addById(a[k], b[k], aWon[k]) for k = 0 … n − 1, in that order, with the pair counts kept in a
   * dense table rather than a map lookup per game (the same counts, pairs in the same order).
   */
  addGames(a: Int32Array, b: Int32Array, aWon: ArrayLike<number>, n: number): void {
    const P = this.players.length;
    if (this.pairs.size > 0 || P > 2048) {
      for (let k = 0; k < n; k++) this.addById(a[k]!, b[k]!, aWon[k]!);
      return;
    }
    const slot = new Int32Array(P * P).fill(-1);
    const keys: number[] = [];
    const counts: number[] = [];
    for (let k = 0; k < n; k++) {
      const x = a[k]!;
      const y = b[k]!;
      if (x === y) continue;
      const w = aWon[k]!;
      this.sequence.push(x, y, w);
      this.wins[x]! += w;
      this.wins[y]! += 1 - w;
      this.games[x]!++;
      this.games[y]!++;
      const lo = Math.min(x, y);
      const hi = Math.max(x, y);
      let s = slot[lo * P + hi]!;
      if (s === -1) {
        s = keys.length;
        slot[lo * P + hi] = s;
        keys.push(lo * 1048576 + hi);
        counts.push(0);
      }
      counts[s]!++;
    }
    for (let s = 0; s < keys.length; s++) this.pairs.set(keys[s]!, counts[s]!);
  }

  edges(): { i: number; j: number; n: number }[] {
    return [...this.pairs.entries()].map(([k, n]) => ({ i: Math.floor(k / 1048576), j: k % 1048576, n }));
  }
}

/** Fit a Bradley-Terry model with a weak prior. Output order: players by first appearance. */
export function fitBradleyTerry(
  matches: readonly Match[] | MatchTable,
  options: BradleyTerryOptions = {},
): BradleyTerryFit {
  let table: MatchTable;
  if (matches instanceof MatchTable) table = matches;
  else {
    table = new MatchTable();
    for (const m of matches) table.add(m.player1, m.player2, m.player1Won ? 1 : 0);
  }
  return fitTable(table, options);
}

function fitTable(table: MatchTable, options: BradleyTerryOptions): BradleyTerryFit {
  const prior = options.priorGames ?? 2;
  const maxIterations = options.maxIterations ?? 10000;
  const tolerance = options.tolerance ?? 1e-10;
  const { players, wins, games } = table;
  const P = players.length;
  const edges = table.edges();
  const theta = new Float64Array(P);
  const gammaOf = (i: number): number => Math.exp(theta[i]!);
  const information = (): number[][] => {
    const info = Array.from({ length: P }, () => new Array<number>(P).fill(0));
    for (let i = 0; i < P; i++) info[i]![i] = (prior * gammaOf(i)) / (gammaOf(i) + 1) ** 2;
    for (const e of edges) {
      const gi = gammaOf(e.i);
      const gj = gammaOf(e.j);
      const w = (e.n * gi * gj) / (gi + gj) ** 2;
      info[e.i]![e.i]! += w;
      info[e.j]![e.j]! += w;
      info[e.i]![e.j]! -= w;
      info[e.j]![e.i]! -= w;
    }
    return info;
  };
  const gradient = (): Float64Array => {
    const g = new Float64Array(P);
    for (let i = 0; i < P; i++) g[i] = wins[i]! + prior / 2 - (prior * gammaOf(i)) / (gammaOf(i) + 1);
    for (const e of edges) {
      const gi = gammaOf(e.i);
      const gj = gammaOf(e.j);
      g[e.i]! -= (e.n * gi) / (gi + gj);
      g[e.j]! -= (e.n * gj) / (gi + gj);
    }
    return g;
  };
  let iterations = 0;
  let converged = false;
  const useNewton = P <= 1500;
  // A few MM sweeps (Hunter 2004) give a good start; Newton then converges quadratically (the log
  // posterior is concave in log-strength). MM alone is slow along the common-shift direction,
  // which only the weak prior pins down, so it is used alone only for very many players.
  const mmSweeps = useNewton ? 20 : maxIterations;
  for (; iterations < mmSweeps; iterations++) {
    const denom = new Float64Array(P);
    for (let i = 0; i < P; i++) denom[i] = prior / (gammaOf(i) + 1);
    for (const e of edges) {
      const d = e.n / (gammaOf(e.i) + gammaOf(e.j));
      denom[e.i]! += d;
      denom[e.j]! += d;
    }
    let change = 0;
    const next = new Float64Array(P);
    for (let i = 0; i < P; i++) {
      next[i] = Math.log((wins[i]! + prior / 2) / denom[i]!);
      change = Math.max(change, Math.abs(next[i]! - theta[i]!));
    }
    theta.set(next);
    if (change < tolerance) {
      converged = true;
      break;
    }
  }
  if (useNewton && !converged) {
    for (let it = 0; it < 100; it++, iterations++) {
      const step = solve(information(), Array.from(gradient()));
      if (!step) break;
      let change = 0;
      for (let i = 0; i < P; i++) {
        const d = Math.max(-2, Math.min(2, step[i]!));
        theta[i]! += d;
        change = Math.max(change, Math.abs(d));
      }
      if (change < tolerance) {
        converged = true;
        break;
      }
    }
  }
  // Ratings are reported relative to the players' mean (Elo 1500 = average player); standard
  // errors are those of θ_i − mean(θ), which do not include the weakly identified overall level.
  let meanTheta = 0;
  for (let i = 0; i < P; i++) meanTheta += theta[i]! / Math.max(1, P);
  let se: (number | null)[] = players.map(() => null);
  if (P > 1 && P <= 2000) {
    const inv = invert(information());
    if (inv) {
      const rowMean = inv.map((row) => row.reduce((a, v) => a + v, 0) / P);
      const total = rowMean.reduce((a, v) => a + v, 0) / P;
      se = players.map((_, i) => Math.sqrt(Math.max(0, inv[i]![i]! - 2 * rowMean[i]! + total)) * ELO_PER_LOG);
    }
  }
  const ratings = players.map((player, i) => {
    const logStrength = theta[i]! - meanTheta;
    return {
      player,
      logStrength,
      elo: 1500 + logStrength * ELO_PER_LOG,
      eloStandardError: se[i] ?? null,
      games: games[i]!,
      wins: wins[i]!,
    };
  });
  return { ratings, iterations, converged };
}

export interface EloOptions {
  /** Points at stake per game. Default 32. */
  k?: number;
  /** Every player's first rating. Default 1500. */
  initial?: number;
}

/**
 * Classic Elo, game by game in the order played: the winner takes k·(1 − expected) points from the
 * loser, expected = 1 / (1 + 10^((r_other − r_self)/400)). Unlike Bradley-Terry it depends on the
 * order (recent games weigh more), which is why reports show it beside, not instead of, Bradley-Terry.
 */
export function eloRatings(
  matches: readonly Match[] | MatchTable,
  options: EloOptions = {},
): Map<string, number> {
  let table: MatchTable;
  if (matches instanceof MatchTable) table = matches;
  else {
    table = new MatchTable();
    for (const m of matches) table.add(m.player1, m.player2, m.player1Won ? 1 : 0);
  }
  const k = options.k ?? 32;
  const rating = new Float64Array(table.players.length).fill(options.initial ?? 1500);
  const { a, b, aWon, length } = table.sequence;
  for (let i = 0; i < length; i++) {
    const ra = rating[a[i]!]!;
    const rb = rating[b[i]!]!;
    const expected = 1 / (1 + 10 ** ((rb - ra) / 400));
    const delta = k * (aWon[i]! - expected);
    rating[a[i]!] = ra + delta;
    rating[b[i]!] = rb - delta;
  }
  return new Map(table.players.map((p, i) => [p, rating[i]!]));
}

export type ArguerRole = 'honest' | 'dishonest' | 'baseline';

export interface ArguerRating extends PlayerRating {
  arguerId: string;
  role: ArguerRole;
  /** Sequential Elo (k = 32, start 1500) over the judgments in row order. */
  sequentialElo: number;
}

const SEP = '\u0000';

/** Turn judgments into Bradley-Terry matches between (arguer, role) players. */
export function arguerMatchTable(rows: readonly JudgmentRow[]): MatchTable {
  return arguerMatchTableOf(judgmentTable(rows));
}

/** arguerMatchTable on the columns of judgment-table.ts. */
export function arguerMatchTableOf(t: JudgmentTable): MatchTable {
  const table = new MatchTable();
  // player ids per arguer code and role (registered on first use, in row order, as by name)
  const A = t.arguerNames.length;
  const honestIds = new Int32Array(A).fill(-1);
  const dishonestIds = new Int32Array(A).fill(-1);
  const baselineIds = new Int32Array(t.protocolNames.length).fill(-1);
  const byRole = new Map<string, number>(); // role-prefixed name → player id
  const player = (role: ArguerRole, id: string): number => {
    const key = role === 'honest' ? `h${id}` : role === 'dishonest' ? `d${id}` : `b${id}`;
    let v = byRole.get(key);
    if (v === undefined) {
      v = table.id(`${id}${SEP}${role}`);
      byRole.set(key, v);
    }
    return v;
  };
  const honest = (c: number): number => {
    let v = honestIds[c]!;
    if (v === -1) {
      v = player('honest', t.arguerNames[c]!);
      honestIds[c] = v;
    }
    return v;
  };
  const dishonest = (c: number): number => {
    let v = dishonestIds[c]!;
    if (v === -1) {
      v = player('dishonest', t.arguerNames[c]!);
      dishonestIds[c] = v;
    }
    return v;
  };
  const debate = t.protocolNames.map((p) => isDebateProtocol(p as Protocol));
  const single = t.protocolNames.map((p) => isSingleArguerProtocol(p as Protocol));
  // one game per judgment, players registered as they come; then added in one pass
  const ga = new Int32Array(t.n);
  const gb = new Int32Array(t.n);
  const gWon = new Uint8Array(t.n);
  let games = 0;
  const game = (a: number, b: number, won: number) => {
    ga[games] = a;
    gb[games] = b;
    gWon[games] = won;
    games++;
  };
  for (let i = 0; i < t.n; i++) {
    const protocol = t.protocol[i]!;
    if (debate[protocol]) {
      const h = t.honestArguer[i]!;
      const d = t.dishonestArguer[i]!;
      if (h === -1 || d === -1) continue;
      game(honest(h), dishonest(d), t.correct[i]!);
    } else if (single[protocol] && t.arguerHonest[i] !== -1) {
      const isHonest = t.arguerHonest[i] === 1;
      const arguer = isHonest ? t.honestArguer[i]! : t.dishonestArguer[i]!;
      if (arguer === -1) continue;
      // the arguer wins when the judge accepts its answer
      const won = isHonest ? t.correct[i]! : 1 - t.correct[i]!;
      const a = isHonest ? honest(arguer) : dishonest(arguer);
      let b = baselineIds[protocol]!;
      if (b === -1) {
        b = player('baseline', t.protocolNames[protocol]!);
        baselineIds[protocol] = b;
      }
      game(a, b, won);
    }
  }
  table.addGames(ga, gb, gWon, games);
  return table;
}

/** Honest and dishonest Bradley-Terry and Elo ratings per arguer (plus per-protocol baselines). */
export function arguerRatings(
  rows: readonly JudgmentRow[],
  options: BradleyTerryOptions = {},
): ArguerRating[] {
  return arguerRatingsOf(judgmentTable(rows), options);
}

/** arguerRatings on the columns of judgment-table.ts. */
export function arguerRatingsOf(t: JudgmentTable, options: BradleyTerryOptions = {}): ArguerRating[] {
  const table = arguerMatchTableOf(t);
  const fit = fitBradleyTerry(table, options);
  const elo = eloRatings(table);
  return fit.ratings
    .map((r) => {
      const [arguerId, role] = r.player.split(SEP) as [string, ArguerRole];
      return { ...r, player: `${arguerId} (${role})`, arguerId, role, sequentialElo: elo.get(r.player)! };
    })
    .sort((a, b) => b.elo - a.elo || a.player.localeCompare(b.player));
}
