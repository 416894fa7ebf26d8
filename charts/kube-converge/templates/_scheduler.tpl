{{/*
KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1). Its own leader-election lease (named after the
scheduler, in the release namespace) so it never contends with the cluster's kube-scheduler. Every node is
scored (percentageOfNodesToScore 100): the node holding the data must not be skipped by sampling.
nodeCacheCapable: the scheduler sends node names, not full Node objects (the extender has its own cache).
*/}}
{{- define "kube-converge.schedulerConfig" -}}
{{- $ext := .Values.scheduler.extender -}}
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
leaderElection:
  leaderElect: true
  resourceLock: leases
  resourceName: {{ .Values.schedulerName | quote }}
  resourceNamespace: {{ .Release.Namespace | quote }}
profiles:
  - schedulerName: {{ .Values.schedulerName | quote }}
    percentageOfNodesToScore: 100
extenders:
  - urlPrefix: {{ include "kube-converge.extenderURL" . | quote }}
    filterVerb: filter
    prioritizeVerb: prioritize
    weight: {{ $ext.weight | int64 }}
    nodeCacheCapable: true
    enableHTTPS: {{ .Values.extender.tls }}
    {{- if .Values.extender.tls }}
    tlsConfig:
      caFile: /etc/kube-converge/extender-ca/ca.crt
    {{- end }}
    httpTimeout: {{ $ext.httpTimeout | quote }}
    ignorable: {{ $ext.ignorable }}
{{- end }}
