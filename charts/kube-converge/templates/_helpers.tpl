{{/* Names, labels and the few derived values every template shares. */}}

{{- define "kube-converge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: object name prefix. Truncated to 52 so "-scheduler" and similar suffixes stay within 63.
*/}}
{{- define "kube-converge.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kube-converge.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kube-converge.labels" -}}
helm.sh/chart: {{ include "kube-converge.chart" . }}
{{ include "kube-converge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kube-converge
{{- end }}

{{- define "kube-converge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kube-converge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The kube-converge pods (webhook + extender + metrics). */}}
{{- define "kube-converge.serverSelectorLabels" -}}
{{ include "kube-converge.selectorLabels" . }}
app.kubernetes.io/component: webhook
{{- end }}

{{- define "kube-converge.schedulerSelectorLabels" -}}
{{ include "kube-converge.selectorLabels" . }}
app.kubernetes.io/component: scheduler
{{- end }}

{{- define "kube-converge.serviceAccountName" -}}
{{ include "kube-converge.fullname" . }}
{{- end }}

{{- define "kube-converge.schedulerFullname" -}}
{{ include "kube-converge.fullname" . }}-scheduler
{{- end }}

{{/* Cluster-scoped: the one MutatingWebhookConfiguration this release owns. */}}
{{- define "kube-converge.webhookConfigName" -}}
{{ include "kube-converge.fullname" . }}
{{- end }}

{{/*
The webhook's name. The API server prefixes each auditAnnotations key with it: the decision appears in the
audit log as webhook.kube-converge.io/decision.
*/}}
{{- define "kube-converge.webhookName" -}}
webhook.kube-converge.io
{{- end }}

{{- define "kube-converge.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/*
kube-scheduler at the cluster's version unless pinned. Only vX.Y.Z is kept: vendor builds report versions
such as v1.30.4+k3s1, v1.30.4-eks-a737599 or v1.30.5-gke.1014001, which are not tags of the upstream image.
*/}}
{{- define "kube-converge.schedulerImage" -}}
{{- $tag := .Values.scheduler.image.tag }}
{{- if not $tag }}
{{- $tag = regexFind "^v?[0-9]+\\.[0-9]+\\.[0-9]+" .Capabilities.KubeVersion.Version }}
{{- if not $tag }}
{{- fail (printf "cannot derive a kube-scheduler tag from the cluster version %q: set scheduler.image.tag" .Capabilities.KubeVersion.Version) }}
{{- end }}
{{- if not (hasPrefix "v" $tag) }}
{{- $tag = printf "v%s" $tag }}
{{- end }}
{{- end }}
{{- printf "%s:%s" .Values.scheduler.image.repository $tag }}
{{- end }}

{{/* The Service's DNS names: the serving certificate's SANs (the API server dials <svc>.<ns>.svc). */}}
{{- define "kube-converge.dnsNames" -}}
{{- $svc := include "kube-converge.fullname" . }}
{{- $ns := .Release.Namespace }}
{{- list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.%s" $svc $ns .Values.clusterDomain) | toJson }}
{{- end }}

{{- define "kube-converge.certMode" -}}
{{- $mode := .Values.certificates.mode }}
{{- if not (has $mode (list "self" "cert-manager" "provided")) }}
{{- fail (printf "certificates.mode must be self, cert-manager or provided, not %q" $mode) }}
{{- end }}
{{- $mode }}
{{- end }}

{{/* The Secret holding the serving pair (and, except in provided mode, ca.crt). */}}
{{- define "kube-converge.tlsSecretName" -}}
{{- $mode := include "kube-converge.certMode" . }}
{{- if eq $mode "self" }}
{{- default (printf "%s-tls" (include "kube-converge.fullname" .)) .Values.certificates.self.secretName }}
{{- else if eq $mode "cert-manager" }}
{{- printf "%s-serving-tls" (include "kube-converge.fullname" .) }}
{{- else }}
{{- required "certificates.provided.secretName is required with certificates.mode=provided: the name of an existing kubernetes.io/tls Secret in the release namespace" .Values.certificates.provided.secretName }}
{{- end }}
{{- end }}

{{/* certificates.provided.caBundle as the base64 the API wants; PEM input is encoded here. */}}
{{- define "kube-converge.providedCaBundle" -}}
{{- $ca := required "certificates.provided.caBundle is required with certificates.mode=provided: the PEM (or base64 of the PEM) of the CA that signed the serving certificate" .Values.certificates.provided.caBundle | trim }}
{{- if contains "-----BEGIN" $ca }}
{{- $ca | b64enc }}
{{- else }}
{{- $ca }}
{{- end }}
{{- end }}

{{- define "kube-converge.certManagerCertName" -}}
{{ include "kube-converge.fullname" . }}-serving
{{- end }}

{{/* Extender URL the scheduler calls: through the Service, so only ready replicas answer. */}}
{{- define "kube-converge.extenderURL" -}}
{{- printf "%s://%s.%s.svc:%d" (ternary "https" "http" .Values.extender.tls) (include "kube-converge.fullname" .) .Release.Namespace (int .Values.ports.extender) }}
{{- end }}

{{/* A container securityContext that needs nothing from the node. */}}
{{- define "kube-converge.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "kube-converge.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Preferred (never required) spreading over nodes: a one-node cluster still runs every replica. */}}
{{- define "kube-converge.antiAffinity" -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- .labels | nindent 12 }}
{{- end }}

{{/* A setting of `kube-converge serve` as its environment variable's value (lists joined with commas). */}}
{{- define "kube-converge.envValue" -}}
{{- if kindIs "slice" . }}
{{- join "," . }}
{{- else if or (kindIs "float64" .) (kindIs "int" .) (kindIs "int64" .) }}
{{- int64 . }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}

{{/* The portworx placement source needs its endpoint; TLS files need an https one (as the program checks). */}}
{{- define "kube-converge.checkPortworx" -}}
{{- $endpoint := .Values.config.portworxEndpoint | default "" }}
{{- if and (has "portworx" .Values.config.placement) (not $endpoint) }}
{{- fail "config.placement lists portworx: set config.portworxEndpoint to the Portworx SDK REST gateway, e.g. http://portworx-api.portworx:9021" }}
{{- end }}
{{- if and .Values.portworx.tlsSecret.name (not (hasPrefix "https://" $endpoint)) }}
{{- fail "portworx.tlsSecret is for an https:// config.portworxEndpoint" }}
{{- end }}
{{- end }}
