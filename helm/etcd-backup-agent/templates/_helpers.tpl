{{/* Names */}}
{{- define "eba.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "eba.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "eba.peerService" -}}{{ include "eba.fullname" . }}-peer{{- end -}}
{{- define "eba.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}{{ default (include "eba.fullname" .) .Values.serviceAccount.name }}{{- else -}}{{ default "default" .Values.serviceAccount.name }}{{- end -}}
{{- end -}}

{{- define "eba.selectorLabels" -}}
app.kubernetes.io/name: {{ include "eba.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "eba.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "eba.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* URLs */}}
{{- define "eba.clientScheme" -}}{{ if .Values.tls.client.enabled }}https{{ else }}http{{ end }}{{- end -}}
{{- define "eba.peerScheme" -}}{{ if .Values.tls.peer.enabled }}https{{ else }}http{{ end }}{{- end -}}
{{- define "eba.apiScheme" -}}{{ if .Values.tls.api.enabled }}https{{ else }}http{{ end }}{{- end -}}
{{/* A member's DNS name through the headless Service; the argument is the member's name. */}}
{{- define "eba.memberHost" -}}
{{- $ := index . 0 -}}{{ index . 1 }}.{{ include "eba.peerService" $ }}.{{ $.Release.Namespace }}.svc.{{ $.Values.clusterDomain }}
{{- end -}}
{{- define "eba.initialCluster" -}}
{{- $members := list -}}
{{- range $i := until (int .Values.replicas) -}}
{{- $member := printf "%s-%d" (include "eba.fullname" $) $i -}}
{{- $members = append $members (printf "%s=%s://%s:%d" $member (include "eba.peerScheme" $) (include "eba.memberHost" (list $ $member)) (int $.Values.etcd.peerPort)) -}}
{{- end -}}
{{- join "," $members -}}
{{- end -}}
{{- define "eba.clusterToken" -}}{{ default (include "eba.fullname" .) .Values.clusterToken }}{{- end -}}
{{/* The client Service's URL, for clients (ready members only). */}}
{{- define "eba.clientServiceUrl" -}}
{{ include "eba.clientScheme" . }}://{{ include "eba.fullname" . }}.{{ .Release.Namespace }}.svc.{{ .Values.clusterDomain }}:{{ .Values.etcd.clientPort }}
{{- end -}}
{{/*
The agents' --service-endpoints: every member's client URL through the headless Service, which
publishes members that are not ready. Not the client Service: a running member without quorum is
not ready, and a member that restarted without its data must see it answer and wait, never take
the cluster for gone and restore beside it.
*/}}
{{- define "eba.serviceEndpoints" -}}
{{- $urls := list -}}
{{- range $i := until (int .Values.replicas) -}}
{{- $urls = append $urls (printf "%s://%s:%d" (include "eba.clientScheme" $) (include "eba.memberHost" (list $ (printf "%s-%d" (include "eba.fullname" $) $i))) (int $.Values.etcd.clientPort)) -}}
{{- end -}}
{{- join "," $urls -}}
{{- end -}}

{{/* TLS Secret names */}}
{{- define "eba.clientTlsSecret" -}}{{ default (printf "%s-client-tls" (include "eba.fullname" .)) .Values.tls.client.secretName }}{{- end -}}
{{- define "eba.peerTlsSecret" -}}{{ default (printf "%s-peer-tls" (include "eba.fullname" .)) .Values.tls.peer.secretName }}{{- end -}}
{{- define "eba.apiTlsSecret" -}}{{ default (printf "%s-api-tls" (include "eba.fullname" .)) .Values.tls.api.secretName }}{{- end -}}
{{- define "eba.apiTokenSecret" -}}{{ default (printf "%s-api-token" (include "eba.fullname" .)) .Values.agent.apiToken.existingSecret }}{{- end -}}

{{- define "eba.agentImage" -}}
{{ .Values.agent.image.repository }}:{{ default .Chart.AppVersion .Values.agent.image.tag }}
{{- end -}}

{{/* The variable that names the mounted store credentials, per provider (README, "Stores"). */}}
{{- define "eba.credentialsEnv" -}}
{{- $dir := "/var/run/secrets/etcd-backup-agent/store" -}}
{{- $p := .Values.store.provider -}}
{{- if eq $p "s3" }}
- name: AWS_APPLICATION_CREDENTIALS
  value: {{ $dir }}
{{- else if eq $p "azblob" }}
- name: AZURE_APPLICATION_CREDENTIALS
  value: {{ $dir }}
{{- else if eq $p "gs" }}
- name: GOOGLE_APPLICATION_CREDENTIALS
  value: {{ $dir }}/serviceaccount.json
{{- else if eq $p "swift" }}
- name: OPENSTACK_APPLICATION_CREDENTIALS
  value: {{ $dir }}
{{- else if eq $p "oss" }}
- name: ALICLOUD_APPLICATION_CREDENTIALS
  value: {{ $dir }}
{{- end }}
{{- end -}}

{{/* Environment shared by the init container and the sidecar. */}}
{{- define "eba.agentEnv" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: JAVA_TOOL_OPTIONS
  value: {{ trim (printf "-XX:MaxRAMPercentage=%d -XX:+ExitOnOutOfMemoryError %s" (int .Values.agent.heapPercentage) .Values.agent.javaOpts) | quote }}
{{- if .Values.store.credentials.existingSecret }}
{{- include "eba.credentialsEnv" . }}
{{- end }}
{{- end -}}

{{/* Arguments shared by initialize and server: etcd's address, TLS, membership, store. */}}
{{- define "eba.commonArgs" -}}
{{- $self := include "eba.memberHost" (list . "$(POD_NAME)") -}}
- --endpoints={{ include "eba.clientScheme" . }}://{{ $self }}:{{ .Values.etcd.clientPort }}
- --service-endpoints={{ include "eba.serviceEndpoints" . }}
{{- if .Values.tls.client.enabled }}
- --cacert=/var/run/secrets/etcd/client-tls/ca.crt
- --cert=/var/run/secrets/etcd/client-tls/tls.crt
- --key=/var/run/secrets/etcd/client-tls/tls.key
{{- end }}
- --store={{ required "store.url is required (e.g. s3://bucket/prefix)" .Values.store.url }}
- --data-dir=/var/lib/etcd/data
- --scratch-dir=/var/lib/etcd-scratch
- --name=$(POD_NAME)
- --initial-advertise-peer-urls={{ include "eba.peerScheme" . }}://{{ $self }}:{{ .Values.etcd.peerPort }}
- --initial-cluster={{ include "eba.initialCluster" . }}
- --initial-cluster-token={{ include "eba.clusterToken" . }}
{{- if .Values.agent.safeguardId }}
- --safeguard-id={{ .Values.agent.safeguardId }}
{{- end }}
{{- if .Values.encryption.existingSecret }}
- --encryption-key-file=/var/run/secrets/etcd-backup-agent/encryption/{{ .Values.encryption.key }}
{{- end }}
{{- end -}}

{{/* Volume mounts shared by the init container and the sidecar. */}}
{{- define "eba.agentMounts" -}}
- name: data
  mountPath: /var/lib/etcd
- name: scratch
  mountPath: /var/lib/etcd-scratch
- name: tmp
  mountPath: /tmp
{{- if .Values.store.credentials.existingSecret }}
- name: store-credentials
  mountPath: /var/run/secrets/etcd-backup-agent/store
  readOnly: true
{{- end }}
{{- if eq .Values.store.provider "file" }}
- name: store
  mountPath: {{ .Values.store.file.mountPath }}
{{- end }}
{{- if .Values.encryption.existingSecret }}
- name: encryption-keys
  mountPath: /var/run/secrets/etcd-backup-agent/encryption
  readOnly: true
{{- end }}
{{- if .Values.tls.client.enabled }}
- name: client-tls
  mountPath: /var/run/secrets/etcd/client-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "eba.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}
