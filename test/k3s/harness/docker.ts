/**
 * The one precondition this suite cannot build for itself: a Docker engine (or another runtime
 * testcontainers speaks to). Without one the suite fails, with this message, never skips: a run that
 * silently tested nothing would read as a pass. It is not part of `npm test` because this project's CI
 * has no Docker engine.
 */
import { getContainerRuntimeClient } from 'testcontainers';

export class DockerMissingError extends Error {
  constructor(cause: string) {
    super(
      "the k3s suite needs a Docker engine; not exercised in this project's CI (no Docker engine runs " +
        'there). Start Docker (or set DOCKER_HOST) and run `npm run test:k3s` again, or run the same ' +
        `scenarios on local processes with \`npm run test:e2e\`. testcontainers said: ${cause}`,
    );
    this.name = 'DockerMissingError';
  }
}

/** Resolves when testcontainers finds a working container runtime; else DockerMissingError. */
export async function requireDocker(): Promise<void> {
  try {
    await getContainerRuntimeClient();
  } catch (err) {
    throw new DockerMissingError((err as Error).message);
  }
}
