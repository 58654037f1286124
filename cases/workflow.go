package cases

import (
	"errors"
	"fmt"
	"slices"

	"github.com/greenreach/greenreach/store"
)

// States of a case (labelled in categories.yaml).
const (
	Reported   = "reported"   // 上报
	Registered = "registered" // 立案
	Rejected   = "rejected"   // 不予立案 (also: merged as a duplicate)
	Dispatched = "dispatched" // 派遣 to a unit
	Handled    = "handled"    // 处置 by the unit
	Verified   = "verified"   // 核查 passed
	Closed     = "closed"     // 结案
)

var states = []string{Reported, Registered, Rejected, Dispatched, Handled, Verified, Closed}

// Open are the states of a registered case not yet closed: the cases a
// new report may duplicate, and the ones that can run overdue.
var Open = []string{Registered, Dispatched, Handled, Verified}

// Actions: the steps of the workflow (labelled in categories.yaml).
const (
	ActReport   = "report"
	ActRegister = "register"
	ActReject   = "reject"
	ActMerge    = "merge" // reject as the duplicate of an open case, at registration
	ActDispatch = "dispatch"
	ActReturn   = "return" // the unit says the case is not its own
	ActHandle   = "handle"
	ActVerify   = "verify"
	ActSendBack = "send_back" // 核查 failed: back to the unit, a re-open
	ActClose    = "close"
)

var actions = []string{ActReport, ActRegister, ActReject, ActMerge, ActDispatch, ActReturn, ActHandle, ActVerify, ActSendBack, ActClose}

// Roles that act on cases, besides store.RoleAdmin (every step) and
// store.RolePublic (citizens' reports).
const (
	RoleInspector  = "inspector"  // 监督员: reports and checks
	RoleDispatcher = "dispatcher" // 值班长/派遣员: registers, dispatches, closes
	RoleUnit       = "unit"       // 责任单位: handles the cases dispatched to it
)

// Transition is one row of the workflow: who may take an action from a
// state, where it leads and what it needs.
type Transition struct {
	Action string
	From   string // "" for the report that creates the case
	To     string
	Roles  []string
	Note   bool // a note is required (the reason of a refusal or a send-back)
	Photo  bool // at least one photo is required
}

const admin = store.RoleAdmin

// Workflow is the table of every possible step. A unit acts only on cases
// dispatched to it; that is checked beside the table.
var Workflow = []Transition{
	{Action: ActReport, From: "", To: Reported, Roles: []string{RoleInspector, RoleDispatcher, store.RolePublic, admin}},
	{Action: ActRegister, From: Reported, To: Registered, Roles: []string{RoleDispatcher, admin}},
	{Action: ActReject, From: Reported, To: Rejected, Roles: []string{RoleDispatcher, admin}, Note: true},
	{Action: ActMerge, From: Reported, To: Rejected, Roles: []string{RoleDispatcher, admin}, Note: true},
	{Action: ActDispatch, From: Registered, To: Dispatched, Roles: []string{RoleDispatcher, admin}},
	{Action: ActDispatch, From: Dispatched, To: Dispatched, Roles: []string{RoleDispatcher, admin}}, // re-dispatch: the override
	{Action: ActReturn, From: Dispatched, To: Registered, Roles: []string{RoleUnit, admin}, Note: true},
	{Action: ActHandle, From: Dispatched, To: Handled, Roles: []string{RoleUnit, admin}, Note: true, Photo: true},
	{Action: ActVerify, From: Handled, To: Verified, Roles: []string{RoleInspector, admin}},
	{Action: ActSendBack, From: Handled, To: Dispatched, Roles: []string{RoleInspector, admin}, Note: true},
	{Action: ActClose, From: Verified, To: Closed, Roles: []string{RoleDispatcher, admin}},
}

// mayTake reports whether role may take action from some state.
func mayTake(role, action string) bool {
	for _, t := range Workflow {
		if t.Action == action && slices.Contains(t.Roles, role) {
			return true
		}
	}
	return false
}

// transition finds the row of action from state, nil if there is none.
func transition(action, from string) *Transition {
	for i := range Workflow {
		if t := &Workflow[i]; t.Action == action && t.From == from {
			return t
		}
	}
	return nil
}

var (
	// ErrImpossible is wrapped by a StepError: the step does not follow
	// from the case's state (the API answers 409).
	ErrImpossible = errors.New("impossible step")
	// ErrForbidden is wrapped by a RoleError: the actor may not take the
	// step (403).
	ErrForbidden = errors.New("not allowed")
	// ErrInput is wrapped by an InputError: the request itself is bad
	// (400/422).
	ErrInput = errors.New("bad case input")
	// ErrKeyReused: an idempotency key came back with another report
	// than the one stored under it (422).
	ErrKeyReused = errors.New("idempotency key reused for another report")
)

// StepError: action cannot be taken from the case's state.
type StepError struct {
	Case   int64
	State  string
	Action string
}

func (e *StepError) Error() string {
	return fmt.Sprintf("case %d is %s: %s is not a step from there", e.Case, e.State, e.Action)
}

func (e *StepError) Unwrap() error { return ErrImpossible }

// RoleError: the actor's role may not take the action, or a unit acted on
// a case not dispatched to it.
type RoleError struct {
	Case   int64
	Role   string
	Action string
	Unit   string // set when a unit acted on another unit's case
}

func (e *RoleError) Error() string {
	if e.Unit != "" {
		return fmt.Sprintf("case %d is not dispatched to unit %s", e.Case, e.Unit)
	}
	return fmt.Sprintf("role %q may not %s case %d", e.Role, e.Action, e.Case)
}

func (e *RoleError) Unwrap() error { return ErrForbidden }

// InputError: a field of the request is missing, malformed or over its
// limit, which the message names.
type InputError struct {
	Field string
	Msg   string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Msg }
func (e *InputError) Unwrap() error { return ErrInput }

func inputErr(field, format string, a ...any) error {
	return &InputError{Field: field, Msg: fmt.Sprintf(format, a...)}
}
