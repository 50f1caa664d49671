// Chaos while the workload plays (issue 14, part 2): the profile's faults, one every few
// seconds, against the engine processes and the database they share. Each fault is a
// ChaosEvent with its real times, so the report can say what happened when, and the lease
// watch (lease-watch.ts) can time each hand-over from the death it follows.
import { createRng, type Rng } from '../../sandbox/core/rng.js';
import type { ScratchServer } from '../harness/database.js';
import type { EngineFleet } from '../harness/engine-fleet.js';
import { sleep } from './types.js';

export type ChaosAction = 'kill' | 'deploy' | 'pause' | 'restart-postgres';
export type ChaosProfileName = 'none' | 'standard';
export const CHAOS_PROFILE_NAMES: readonly ChaosProfileName[] = ['none', 'standard'];

/**
 * The engines' lease TTL (startLeasedLoop's default, src/engine/workers/leased-loop.ts).
 * Real time: the simulation's clock compression divides platform durations, not leases.
 */
export const LEASE_TTL_MS = 15_000;

export interface ChaosProfile {
  name: ChaosProfileName;
  /** Real ms between the end of one fault and the start of the next. */
  everyMs: number;
  /** The faults, played in this order, round and round. */
  actions: readonly ChaosAction[];
  /** How long a paused engine stays stopped: past its lease, so another must take over. */
  pauseMs: number;
}

export const CHAOS_PROFILES: Record<ChaosProfileName, ChaosProfile> = {
  none: { name: 'none', everyMs: 0, actions: [], pauseMs: 0 },
  // A kill, a deploy, a pause, a kill, a database restart: every 5 s of real time (five
  // platform minutes on the x60 clock), a pause held 5 s past the lease TTL.
  standard: { name: 'standard', everyMs: 5_000, actions: ['kill', 'deploy', 'pause', 'kill', 'restart-postgres'], pauseMs: LEASE_TTL_MS + 5_000 },
};

export interface ChaosEvent {
  action: ChaosAction;
  /** Date.now() when the fault began (the signal sent, the server told to stop). */
  at: number;
  engine?: number;
  pid?: number;
  /** Date.now() when it was over: the engine answering again, resumed, the server back. */
  endedAt?: number;
  /** What became of it: the exit of a killed engine, a skipped restart's reason, an error. */
  outcome: string;
}

export interface ChaosDeps {
  fleet: EngineFleet;
  server: ScratchServer;
  profile: ChaosProfile;
  seed: number;
  log: (line: string) => void;
}

/** Plays the profile's faults until stop(); stop() then brings every engine back up. */
export class ChaosMonkey {
  readonly events: ChaosEvent[] = [];
  /** Engines that died on their own and were started again. */
  crashRestarts = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly rng: Rng;
  private readonly pauses = new Set<Promise<void>>();

  constructor(private readonly d: ChaosDeps) {
    this.rng = createRng(d.seed, 'chaos');
  }

  start(): void {
    if (this.d.profile.actions.length === 0) return;
    this.running = true;
    this.loop = this.play();
  }

  /** Ends the faults, resumes a paused engine and restarts any that is down. */
  async stop(): Promise<void> {
    await this.halt();
    await Promise.all(this.pauses);
    for (let engine = 0; engine < this.d.fleet.count; engine++) {
      if (this.d.fleet.state(engine) === 'down') await this.d.fleet.start(engine);
    }
  }

  /** Ends the faults without restarting anything (a pause still ends with its SIGCONT). */
  async halt(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async play(): Promise<void> {
    for (let turn = 0; this.running; turn++) {
      await this.wait(this.d.profile.everyMs);
      if (!this.running) return;
      await this.restartCrashed();
      const action = this.d.profile.actions[turn % this.d.profile.actions.length]!;
      const event: ChaosEvent = { action, at: Date.now(), outcome: '' };
      this.events.push(event);
      try {
        await this.act(event);
      } catch (e) {
        event.outcome = `failed: ${(e as Error).message}`;
      }
      this.d.log(`chaos: ${action}${event.engine === undefined ? '' : ` engine ${event.engine} (pid ${event.pid})`}: ${event.outcome}`);
    }
  }

  private async act(event: ChaosEvent): Promise<void> {
    const { fleet } = this.d;
    if (event.action === 'restart-postgres') {
      const r = await this.d.server.restart();
      event.endedAt = Date.now();
      event.outcome = r.restarted ? `restarted, down ${r.downMs} ms` : `skipped: ${r.reason}`;
      return;
    }
    const engine = this.pickEngine();
    if (engine === undefined) {
      event.outcome = 'skipped: no engine up';
      return;
    }
    event.engine = engine;
    event.pid = fleet.pid(engine);
    event.at = Date.now();
    if (event.action === 'pause') {
      fleet.pause(engine);
      const resumed = (async () => {
        await sleep(this.d.profile.pauseMs);
        fleet.resume(engine);
        event.endedAt = Date.now();
      })();
      this.pauses.add(resumed);
      void resumed.finally(() => this.pauses.delete(resumed));
      event.outcome = `SIGSTOP for ${this.d.profile.pauseMs} ms, then SIGCONT`;
      return;
    }
    const exit = await fleet.terminate(engine, event.action === 'kill' ? 'SIGKILL' : 'SIGTERM');
    await fleet.start(engine);
    event.endedAt = Date.now();
    event.outcome = `exited ${exit.signal ?? `code ${exit.code}`} after ${exit.at - event.at} ms, answering again after ${event.endedAt - event.at} ms`;
  }

  /**
   * Starts again an engine that died of something else than a fault (a fault's own restart
   * is done by then), as a process supervisor would; the report counts them.
   */
  private async restartCrashed(): Promise<void> {
    for (let engine = 0; engine < this.d.fleet.count; engine++) {
      if (this.d.fleet.state(engine) !== 'down') continue;
      try {
        await this.d.fleet.start(engine);
        this.crashRestarts++;
        this.d.log(`chaos: engine ${engine} had died on its own; started again`);
      } catch (e) {
        this.d.log(`chaos: engine ${engine} had died on its own and did not start again: ${(e as Error).message}`);
      }
    }
  }

  /** A random engine that is up (not paused, not restarting). */
  private pickEngine(): number | undefined {
    const up = [...Array(this.d.fleet.count).keys()].filter((e) => this.d.fleet.state(e) === 'up');
    return up.length === 0 ? undefined : this.rng.pick(up);
  }

  /** Sleeps `ms`, ending early when stopped. */
  private async wait(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.running && Date.now() < until) await sleep(Math.min(200, until - Date.now()));
  }
}
