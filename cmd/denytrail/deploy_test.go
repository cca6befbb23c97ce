package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The deployment examples are decoded strictly into structs that name the
// fields the examples use: a misspelt or misplaced field fails, as the AWS
// API or kubectl would refuse it. (The Kubernetes API types would pull in
// k8s.io/api and its dependencies for three objects; these structs keep to
// the schema of the fields used, and the checks below test what matters.)

// deployDir is the deploy/ folder of the repository.
var deployDir = filepath.Join("..", "..", "deploy")

// decodeStrict decodes the JSON file at deploy/name into v, refusing
// unknown fields and trailing data.
func decodeStrict(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployDir, name))
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("%s: data after the document", name)
	}
}

// stringList is an IAM value that is a string or a list of strings.
type stringList []string

func (s *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

type iamPolicy struct {
	Version   string
	Statement []struct {
		Sid       string `json:",omitempty"`
		Effect    string
		Principal map[string]stringList `json:",omitempty"`
		Action    stringList
		Resource  stringList                `json:",omitempty"`
		Condition map[string]map[string]any `json:",omitempty"`
	}
}

// allows reports whether p allows action on resource (exact names).
func (p *iamPolicy) allows(action, resource string) bool {
	for _, s := range p.Statement {
		if s.Effect == "Allow" && slices.Contains(s.Action, action) && slices.Contains(s.Resource, resource) {
			return true
		}
	}
	return false
}

func TestDeployIAMPolicies(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(deployDir, "*", "*policy*.json"))
	if len(files) < 6 {
		t.Fatalf("found only %d policies", len(files))
	}
	for _, f := range files {
		name, _ := filepath.Rel(deployDir, f)
		var p iamPolicy
		decodeStrict(t, name, &p)
		if p.Version != "2012-10-17" || len(p.Statement) == 0 {
			t.Errorf("%s: version %q, %d statements", name, p.Version, len(p.Statement))
		}
		trust := strings.Contains(name, "trust")
		for i, s := range p.Statement {
			if s.Effect != "Allow" && s.Effect != "Deny" || len(s.Action) == 0 ||
				trust != (len(s.Principal) > 0) || !trust && len(s.Resource) == 0 {
				t.Errorf("%s: statement %d is incomplete: %+v", name, i, s)
			}
		}
	}
}

type ecsTask struct {
	Family                  string
	RequiresCompatibilities []string
	NetworkMode             string
	CPU                     string `json:"cpu"`
	Memory                  string `json:"memory"`
	RuntimePlatform         struct{ OperatingSystemFamily, CPUArchitecture string }
	ExecutionRoleArn        string
	TaskRoleArn             string
	ContainerDefinitions    []struct {
		Name                   string
		Image                  string
		Essential              bool
		Command                []string
		Environment            []struct{ Name, Value string }
		Secrets                []struct{ Name, ValueFrom string }
		User                   string
		ReadonlyRootFilesystem bool
		LinuxParameters        struct {
			Capabilities struct{ Drop []string }
		}
		LogConfiguration struct {
			LogDriver string
			Options   map[string]string
		}
	}
}

type ecsSchedule struct {
	Name, Description, ScheduleExpression, ScheduleExpressionTimezone, State string
	FlexibleTimeWindow                                                       struct{ Mode string }
	Target                                                                   struct {
		Arn, RoleArn  string
		EcsParameters struct {
			TaskDefinitionArn, LaunchType, PlatformVersion string
			TaskCount                                      int
			NetworkConfiguration                           struct {
				AwsvpcConfiguration struct {
					Subnets, SecurityGroups []string
					AssignPublicIp          string
				}
			}
		}
		RetryPolicy      struct{ MaximumEventAgeInSeconds, MaximumRetryAttempts int }
		DeadLetterConfig struct{ Arn string }
	}
}

// TestDeployECS: the task's execution role is defined and may create its
// log group; the schedule's role may pass both roles and report runs it
// could not start; the alert catches tasks that never start.
func TestDeployECS(t *testing.T) {
	var task ecsTask
	decodeStrict(t, "ecs/task-definition.json", &task)
	var exec, sched iamPolicy
	decodeStrict(t, "ecs/execution-role-policy.json", &exec)
	decodeStrict(t, "ecs/scheduler-role-policy.json", &sched)
	var s ecsSchedule
	decodeStrict(t, "ecs/schedule.json", &s)
	var rule map[string]any
	decodeStrict(t, "ecs/alert-rule.json", &rule)

	if !strings.HasSuffix(task.ExecutionRoleArn, ":role/denytrail-task-execution") {
		t.Errorf("execution role %s: the README and execution-*.json define denytrail-task-execution", task.ExecutionRoleArn)
	}
	for _, role := range []string{task.ExecutionRoleArn, task.TaskRoleArn} {
		if !sched.allows("iam:PassRole", role) {
			t.Errorf("the scheduler may not pass %s", role)
		}
	}
	c := task.ContainerDefinitions[0]
	group := c.LogConfiguration.Options["awslogs-group"]
	logARN := "arn:aws:logs:eu-west-1:111122223333:log-group:" + group
	if c.LogConfiguration.Options["awslogs-create-group"] == "true" && !exec.allows("logs:CreateLogGroup", logARN) {
		t.Errorf("awslogs-create-group without logs:CreateLogGroup on %s", logARN)
	}
	for _, a := range []string{"logs:CreateLogStream", "logs:PutLogEvents"} {
		if !exec.allows(a, logARN+":*") {
			t.Errorf("the execution role lacks %s on %s:*", a, logARN)
		}
	}
	if dlq := s.Target.DeadLetterConfig.Arn; dlq == "" || !sched.allows("sqs:SendMessage", dlq) {
		t.Errorf("runs the scheduler cannot start go nowhere: dead-letter %q", dlq)
	}
	mem, _ := strconv.ParseInt(task.Memory, 10, 64)
	for _, e := range c.Environment {
		if e.Name == "GOMEMLIMIT" {
			if limit := parseBytes(t, e.Value); limit >= mem<<20*95/100 {
				t.Errorf("GOMEMLIMIT %s is not below the task's %d MiB", e.Value, mem)
			}
		}
	}
	b, _ := json.Marshal(rule)
	if !strings.Contains(string(b), `"TaskFailedToStart"`) || !strings.Contains(string(b), `"exists":false`) {
		t.Errorf("the alert misses tasks that never start: %s", b)
	}
}

// k8sMeta is the metadata of the objects in cronjob.yaml.
type k8sMeta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

type k8sContainer struct {
	Name            string   `yaml:"name"`
	Image           string   `yaml:"image"`
	ImagePullPolicy string   `yaml:"imagePullPolicy"`
	Args            []string `yaml:"args"`
	Env             []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value,omitempty"`
		ValueFrom *struct {
			ResourceFieldRef *struct {
				Resource string `yaml:"resource"`
			} `yaml:"resourceFieldRef,omitempty"`
			SecretKeyRef *struct {
				Name     string `yaml:"name"`
				Key      string `yaml:"key"`
				Optional bool   `yaml:"optional"`
			} `yaml:"secretKeyRef,omitempty"`
		} `yaml:"valueFrom,omitempty"`
	} `yaml:"env"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext struct {
		AllowPrivilegeEscalation bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   bool `yaml:"readOnlyRootFilesystem"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
}

type k8sCronJob struct {
	APIVersion string  `yaml:"apiVersion"`
	Kind       string  `yaml:"kind"`
	Metadata   k8sMeta `yaml:"metadata"`
	Spec       struct {
		Schedule                   string `yaml:"schedule"`
		TimeZone                   string `yaml:"timeZone"`
		ConcurrencyPolicy          string `yaml:"concurrencyPolicy"`
		StartingDeadlineSeconds    int    `yaml:"startingDeadlineSeconds"`
		SuccessfulJobsHistoryLimit int    `yaml:"successfulJobsHistoryLimit"`
		FailedJobsHistoryLimit     int    `yaml:"failedJobsHistoryLimit"`
		JobTemplate                struct {
			Spec struct {
				BackoffLimit            int `yaml:"backoffLimit"`
				ActiveDeadlineSeconds   int `yaml:"activeDeadlineSeconds"`
				TTLSecondsAfterFinished int `yaml:"ttlSecondsAfterFinished"`
				PodFailurePolicy        struct {
					Rules []struct {
						Action      string `yaml:"action"`
						OnExitCodes *struct {
							ContainerName string `yaml:"containerName"`
							Operator      string `yaml:"operator"`
							Values        []int  `yaml:"values"`
						} `yaml:"onExitCodes,omitempty"`
						OnPodConditions []struct {
							Type string `yaml:"type"`
						} `yaml:"onPodConditions,omitempty"`
					} `yaml:"rules"`
				} `yaml:"podFailurePolicy"`
				Template struct {
					Metadata k8sMeta `yaml:"metadata"`
					Spec     struct {
						ServiceAccountName string `yaml:"serviceAccountName"`
						RestartPolicy      string `yaml:"restartPolicy"`
						SecurityContext    struct {
							RunAsNonRoot   bool `yaml:"runAsNonRoot"`
							RunAsUser      int  `yaml:"runAsUser"`
							RunAsGroup     int  `yaml:"runAsGroup"`
							SeccompProfile struct {
								Type string `yaml:"type"`
							} `yaml:"seccompProfile"`
						} `yaml:"securityContext"`
						Containers []k8sContainer `yaml:"containers"`
					} `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		} `yaml:"jobTemplate"`
	} `yaml:"spec"`
}

// TestDeployKubernetes: every object of cronjob.yaml decodes strictly,
// and GOMEMLIMIT is a fixed value below the container's memory limit.
func TestDeployKubernetes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(deployDir, "kubernetes", "cronjob.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	var cj k8sCronJob
	for _, doc := range strings.Split(string(b), "\n---\n") {
		var head struct {
			Kind string `yaml:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatal(err)
		}
		var v any
		switch head.Kind {
		case "Namespace":
			v = &struct {
				APIVersion string  `yaml:"apiVersion"`
				Kind       string  `yaml:"kind"`
				Metadata   k8sMeta `yaml:"metadata"`
			}{}
		case "ServiceAccount":
			v = &struct {
				APIVersion                   string  `yaml:"apiVersion"`
				Kind                         string  `yaml:"kind"`
				Metadata                     k8sMeta `yaml:"metadata"`
				AutomountServiceAccountToken bool    `yaml:"automountServiceAccountToken"`
			}{}
		case "CronJob":
			v = &cj
		default:
			t.Fatalf("unexpected kind %q", head.Kind)
		}
		d := yaml.NewDecoder(strings.NewReader(doc))
		d.KnownFields(true)
		if err := d.Decode(v); err != nil {
			t.Fatalf("%s: %v", head.Kind, err)
		}
		kinds = append(kinds, head.Kind)
	}
	if !slices.Equal(kinds, []string{"Namespace", "ServiceAccount", "CronJob"}) {
		t.Fatalf("objects %v", kinds)
	}
	if cj.APIVersion != "batch/v1" || cj.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy != "Never" {
		t.Errorf("CronJob %s, restartPolicy %q", cj.APIVersion, cj.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy)
	}
	c := cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0]
	limit := parseBytes(t, c.Resources.Limits["memory"])
	found := false
	for _, e := range c.Env {
		if e.Name != "GOMEMLIMIT" {
			continue
		}
		found = true
		if e.ValueFrom != nil || e.Value == "" {
			t.Fatalf("GOMEMLIMIT must be a value below the limit, not the limit itself")
		}
		if m := parseBytes(t, e.Value); m < limit*80/100 || m > limit*95/100 {
			t.Errorf("GOMEMLIMIT %s is %d%% of the %s limit, want about 90%%", e.Value, m*100/limit, c.Resources.Limits["memory"])
		}
	}
	if !found {
		t.Error("no GOMEMLIMIT")
	}
}

// parseBytes reads a Kubernetes or Go memory quantity: 1Gi, 920Mi,
// 920MiB, 3GiB.
func parseBytes(t *testing.T, s string) int64 {
	t.Helper()
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"Gi", 30}, {"Mi", 20}, {"Ki", 10}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			if err != nil {
				t.Fatalf("quantity %q: %v", s, err)
			}
			return v << u.shift
		}
	}
	t.Fatalf("quantity %q: unknown unit", s)
	return 0
}
