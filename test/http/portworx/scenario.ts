/**
 * One scripted Portworx cluster and the Kubernetes cluster it runs in, shared by the extender tests.
 *
 * Kubernetes nodes n1–n6, region r1 except n6 (r2). Zones and racks: n1, n2 zone a rack 1; n3 zone
 * a rack 2; n4 zone b rack 3; n5 zone b rack 4; n6 zone c. n1's topology exists only in Portworx's
 * node labels (its Kubernetes node has none); the others' comes from their Kubernetes labels.
 *
 * Portworx nodes, each tied to its Kubernetes node a different way:
 *   px-1 -> n1 by scheduler_node_name     px-4 -> n4 by scheduler_node_name
 *   px-2 -> n2 by hostname (the Kubernetes Hostname address, another case)
 *   px-3 -> n3 by IP (mgmt_ip equals n3's InternalIP; no name or hostname matches)
 *   px-5 -> n5, px-6 -> n6 by scheduler_node_name
 *
 * Volumes (PV csi.volumeHandle = Portworx id):
 *   data   (vol-data)   replicas px-1, px-4                 class px
 *   logs   (vol-logs)   replicas px-2, px-3                 class px
 *   shared (vol-shared) sharedv4 service, replicas px-1, px-2; class px (no sharedv4 parameters)
 *   strict (vol-strict) sharedv4 service, replicas px-1, px-2; class px-remote-only
 *   plain  (vol-plain)  sharedv4 without a service, replicas px-1, px-2
 *   fresh  (vol-fresh)  replica on px-7, a node the node list does not show (it joined later)
 * The Kubernetes node n5 is labelled `pv-data=true` and n2 `pv-logs=true`: the node-labels source,
 * asked when Portworx fails, answers differently from Portworx on purpose.
 */
import type { SlimObject } from '../../../src/cluster/store.js';
import type { StaticView } from '../../support/static-view.js';
import { node, ns, pv, pvc, sc, store } from '../../support/cluster.js';
import { StaticView as View } from '../../support/static-view.js';
import type { FakeNode, FakeVolume } from '../../fakes/portworx/fake.js';

export const DRIVER = 'pxd.portworx.com';
export const ALL = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];

const k8sTopo = (region: string, zone: string, rack?: string): Record<string, string> => ({
  'topology.kubernetes.io/region': region,
  'topology.kubernetes.io/zone': zone,
  ...(rack ? { 'px/rack': rack } : {}),
});

const claim = (name: string, className = 'px'): SlimObject[] => [
  pvc('shop', name, { storageClassName: className, volumeName: `pv-${name}`, phase: 'Bound' }),
  pv(`pv-${name}`, { csiDriver: DRIVER, csiVolumeHandle: `vol-${name}`, storageClassName: className }),
];

export function kubernetes(): StaticView {
  return View.over(
    store(
      ns('shop'),
      sc('px', DRIVER),
      sc('px-remote-only', DRIVER, { parameters: { preferRemoteNodeOnly: 'true' } }),
      node('n1', { internalIPs: ['10.0.0.1'] }),
      node('n2', {
        hostname: 'ip-10-0-0-2.internal',
        internalIPs: ['10.0.0.2'],
        labels: {
          'kubernetes.io/hostname': 'ip-10-0-0-2.internal',
          'pv-logs': 'true',
          ...k8sTopo('r1', 'a', '1'),
        },
      }),
      node('n3', {
        internalIPs: ['10.0.0.3'],
        labels: { 'kubernetes.io/hostname': 'n3', ...k8sTopo('r1', 'a', '2') },
      }),
      node('n4', {
        internalIPs: ['10.0.0.4'],
        labels: { 'kubernetes.io/hostname': 'n4', ...k8sTopo('r1', 'b', '3') },
      }),
      node('n5', {
        internalIPs: ['10.0.0.5'],
        labels: { 'kubernetes.io/hostname': 'n5', 'pv-data': 'true', ...k8sTopo('r1', 'b', '4') },
      }),
      node('n6', {
        internalIPs: ['10.0.0.6'],
        labels: { 'kubernetes.io/hostname': 'n6', ...k8sTopo('r2', 'c') },
      }),
      ...claim('data'),
      ...claim('logs'),
      ...claim('shared'),
      ...claim('strict', 'px-remote-only'),
      ...claim('plain'),
      ...claim('fresh'),
    ),
  );
}

export function portworxNodes(): FakeNode[] {
  return [
    {
      id: 'px-1',
      scheduler_node_name: 'n1',
      hostname: 'n1',
      mgmt_ip: '10.0.0.1',
      node_labels: {
        'topology.portworx.io/region': 'r1',
        'topology.portworx.io/zone': 'a',
        'topology.portworx.io/rack': '1',
      },
    },
    { id: 'px-2', hostname: 'IP-10-0-0-2.Internal', mgmt_ip: '192.168.0.2' },
    { id: 'px-3', hostname: 'px-storage-3', mgmt_ip: '10.0.0.3', data_ip: '10.9.0.3' },
    { id: 'px-4', scheduler_node_name: 'n4' },
    { id: 'px-5', scheduler_node_name: 'n5' },
    { id: 'px-6', scheduler_node_name: 'n6' },
  ];
}

const CLUSTER_IP = 'SHAREDV4_SERVICE_TYPE_CLUSTERIP';

export function portworxVolumes(): FakeVolume[] {
  return [
    { id: 'vol-data', name: 'pvc-data', labels: { app: 'db' }, replicaSets: [['px-1', 'px-4']] },
    { id: 'vol-logs', name: 'pvc-logs', replicaSets: [['px-2', 'px-3']] },
    { id: 'vol-shared', sharedv4: true, sharedv4ServiceType: CLUSTER_IP, replicaSets: [['px-1', 'px-2']] },
    { id: 'vol-strict', sharedv4: true, sharedv4ServiceType: CLUSTER_IP, replicaSets: [['px-1', 'px-2']] },
    { id: 'vol-plain', sharedv4: true, replicaSets: [['px-1', 'px-2']] },
    { id: 'vol-fresh', replicaSets: [['px-7']] },
  ];
}

/** The node that joins after the node list was read: only node inspect finds it. */
export const LATE_NODE: FakeNode = { id: 'px-7', scheduler_node_name: 'n6' };

export const podUsing = (claims: string[], name = 'db-0') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop', uid: `uid-${name}` },
  spec: {
    schedulerName: 'kube-converge',
    containers: [{ name: 'c', image: 'busybox' }],
    volumes: claims.map((claimName, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName } })),
  },
});
