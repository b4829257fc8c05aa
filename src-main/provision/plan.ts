// The deploy's plan, decided in one pure function before anything changes on the VPS: what is uploaded,
// rewritten and restarted, and — should the new release fail — exactly what the host goes back to.

/** What the inspect step found on the VPS. */
export interface Installed {
  /** The release `current` points at (its directory name: version+content hash, or a bare version from before). */
  current: string | undefined;
  /** Whether that directory is still there (a missing one leaves nothing to return to). */
  currentExists: boolean;
  currentVersion: string | undefined;
  previous: string | undefined;
  /** Release directories on the VPS, newest first. */
  releases: string[];
  /** SHA-256 of the installed service and socket units, as deploy writes them (concatenated). */
  unitSha: string | undefined;
  envSha: string | undefined;
  userExists: boolean;
  active: string;
  enabled: string;
  /** The current release's manifest (sha256sum format), or empty. */
  manifest: string;
  /** Another program listening on the agent's port while the agent is not running (its name). */
  portTakenBy: string | undefined;
  /** The release a datastore snapshot was taken before (it holds the data as the release before it left it). */
  snapshotFor: string | undefined;
  /** /healthz answered ok with the current release's version when the deploy looked. */
  healthy: boolean;
}

/** The build to deploy: a different build under the same version is a different release. */
export interface ReleaseIdentity {
  id: string;
  version: string;
  manifest: string;
}

export type PlanKind =
  /** Nothing runs yet (or what `current` named is gone): a failure stops the agent, there is nothing to return to. */
  | 'first-install'
  /** Another release runs: a failure switches back to it. */
  | 'update'
  /** This release runs; its secrets or unit change: a failure puts the old ones back. */
  | 'reconfigure'
  /** This release and configuration are installed but not running healthy: restart it, change nothing else. */
  | 'repair'
  /** Already running, healthy, as asked: touch nothing. */
  | 'unchanged';

/** One way back after a failure, tried in order until one is healthy. */
export interface RollbackStage {
  release: string;
  /** keep: the secrets and unit as they are now (this deploy's); restore: put back the ones from before it. */
  config: 'keep' | 'restore';
  /** Put the datastore snapshot back (taken before the new release's migrations ran). */
  restoreData: boolean;
}

export interface DeployPlan {
  kind: PlanKind;
  release: string;
  version: string;
  /** The release running before the deploy (on disk), if any. */
  running: string | undefined;
  upload: boolean;
  /** Unchanged files are hard-linked from this release instead of uploaded. */
  reuseFrom: string | undefined;
  secrets: 'write' | 'create-empty' | 'keep';
  unit: boolean;
  /** The release brings schema files the running one does not have: snapshot the datastore before it starts. */
  snapshot: boolean;
  switch: boolean;
  restart: boolean;
  /**
   * The running agent hands the service over to the new release instead of a restart (agent-core/handover.ts):
   * only the release changes — the secrets and the unit (which its process inherits) stay, no snapshot stopped it,
   * and it runs healthy. The restart step still restarts when the running agent cannot.
   */
  handOver: boolean;
  /** What `previous` points at once the new release is healthy. */
  previousAfter: string | undefined;
  /** After a failure: switch back (stages in order), stop a first install, or leave what was there. */
  onFailure: 'rollback' | 'stop' | 'leave';
  rollback: RollbackStage[];
  /** What `previous` points at after switching back. */
  previousAfterRollback: string | undefined;
  /** The new release was uploaded by this deploy, so a failed one is removed (rollback never picks it). */
  removeOnFailure: boolean;
  /** Facts the user should read (a missing release, a snapshot). */
  notes: string[];
}

/** The schema files a release brings that the running one does not have (migrations that will run). */
export function newSchemaFiles(runningManifest: string, releaseManifest: string): string[] {
  const schema = (manifest: string) =>
    manifest
      .split('\n')
      .map((l) => /^[0-9a-f]{64} [ *](schema\/\d{3}-[^/]+\.surql)$/.exec(l)?.[1])
      .filter((p): p is string => p !== undefined);
  const had = new Set(schema(runningManifest));
  return schema(releaseManifest).filter((p) => !had.has(p));
}

export function planDeploy(
  installed: Installed,
  release: ReleaseIdentity,
  env: { sha256: string } | undefined,
  unit: { sha256: string },
): DeployPlan {
  const running = installed.current && installed.currentExists ? installed.current : undefined;
  const onVps = installed.releases.includes(release.id);
  const secrets = env
    ? env.sha256 === installed.envSha
      ? 'keep'
      : 'write'
    : installed.envSha
      ? 'keep'
      : 'create-empty';
  const unitChanges = unit.sha256 !== installed.unitSha;
  const configChanges = secrets !== 'keep' || unitChanges;
  const base = {
    release: release.id,
    version: release.version,
    running,
    secrets,
    unit: unitChanges,
    notes: [] as string[],
  } as const;

  if (!running) {
    const notes = installed.current
      ? [
          `the release current pointed at (${installed.current}) is missing from the VPS: there is nothing to return to if ${release.id} fails`,
        ]
      : [];
    return {
      ...base,
      kind: 'first-install',
      upload: !onVps,
      reuseFrom: undefined,
      snapshot: false,
      switch: true,
      restart: true,
      handOver: false,
      previousAfter: undefined,
      onFailure: 'stop',
      rollback: [],
      previousAfterRollback: undefined,
      removeOnFailure: !onVps,
      notes,
    };
  }

  const previousKept = installed.previous && installed.releases.includes(installed.previous);
  if (running === release.id) {
    const same = !configChanges;
    const kind: PlanKind = same
      ? installed.active === 'active' && installed.healthy
        ? 'unchanged'
        : 'repair'
      : 'reconfigure';
    return {
      ...base,
      kind,
      upload: false,
      reuseFrom: undefined,
      snapshot: false,
      switch: false,
      restart: kind !== 'unchanged',
      handOver: false,
      previousAfter: previousKept ? installed.previous : undefined,
      onFailure: kind === 'reconfigure' ? 'rollback' : 'leave',
      rollback: kind === 'reconfigure' ? [{ release: running, config: 'restore', restoreData: false }] : [],
      previousAfterRollback: previousKept ? installed.previous : undefined,
      removeOnFailure: false,
    };
  }

  const snapshot = newSchemaFiles(installed.manifest, release.manifest).length > 0;
  // Back to the running release: first keeping the owner's new secrets and unit (the new release may be all
  // that was wrong), then exactly as everything was before this deploy. The data goes back with the first stage.
  const rollback: RollbackStage[] = configChanges
    ? [
        { release: running, config: 'keep', restoreData: snapshot },
        { release: running, config: 'restore', restoreData: false },
      ]
    : [{ release: running, config: 'keep', restoreData: snapshot }];
  return {
    ...base,
    kind: 'update',
    upload: !onVps,
    reuseFrom: running,
    snapshot,
    switch: true,
    restart: true,
    handOver: !configChanges && !snapshot && installed.active === 'active' && installed.healthy,
    previousAfter: running,
    onFailure: 'rollback',
    rollback,
    previousAfterRollback: previousKept && installed.previous !== running ? installed.previous : undefined,
    removeOnFailure: !onVps,
    notes: snapshot
      ? [`${release.id} brings new schema migrations: the datastore is copied before it starts`]
      : [],
  };
}
