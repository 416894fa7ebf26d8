import type { StorageStatus } from '../types.js';
import type { SdkStatus } from './sdk.js';

/**
 * A Portworx node's `status` (`openstorageapiStatus`) as scoring sees it. The definition gives a
 * node one status and its pools no health field, so the status is the only health signal.
 *
 * - online: `STATUS_OK`; also `STATUS_NONE` — the zero value the gateway omits, which Stork likewise
 *   reads as online.
 * - storage-down: the node runs but its storage cannot serve at full health — `STATUS_STORAGE_DOWN`,
 *   `STATUS_STORAGE_DEGRADED`, `STATUS_STORAGE_REBALANCE`, `STATUS_STORAGE_DRIVE_REPLACE`. Stork calls
 *   the last three "Degraded" and scores them half, as scoring.md does for storage-down; it counts
 *   `STATUS_STORAGE_DOWN` as online, which contract §6's storage-down names better.
 * - offline: everything else — `STATUS_INIT`, `STATUS_OFFLINE`, `STATUS_ERROR`, `STATUS_NOT_IN_QUORUM`,
 *   `STATUS_NOT_IN_QUORUM_NO_STORAGE`, `STATUS_DECOMMISSION`, `STATUS_MAINTENANCE`,
 *   `STATUS_NEEDS_REBOOT`, `STATUS_MAX` and any name this definition does not have (as Stork).
 */
const STATUS_OF: Readonly<Partial<Record<SdkStatus, StorageStatus>>> = {
  STATUS_NONE: 'online',
  STATUS_OK: 'online',
  STATUS_STORAGE_DOWN: 'storage-down',
  STATUS_STORAGE_DEGRADED: 'storage-down',
  STATUS_STORAGE_REBALANCE: 'storage-down',
  STATUS_STORAGE_DRIVE_REPLACE: 'storage-down',
};

export function storageStatusOfSdk(status: string | undefined): StorageStatus {
  return STATUS_OF[(status ?? 'STATUS_NONE') as SdkStatus] ?? 'offline';
}

const RANK: Readonly<Record<StorageStatus, number>> = { online: 0, 'storage-down': 1, offline: 2 };

/** The less healthy of two statuses. */
export function worseStatus(a: StorageStatus, b: StorageStatus): StorageStatus {
  return RANK[a] >= RANK[b] ? a : b;
}
