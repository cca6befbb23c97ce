package classify

// Engine turns classified events into findings, in the single goroutine
// that sees every event of a scan. It is where the bounded window of
// correlation and de-duplication state lives.
type Engine struct {
	emit func(Finding)
}

// NewEngine returns an engine that passes each finding to emit.
func NewEngine(emit func(Finding)) *Engine {
	return &Engine{emit: emit}
}

// Add takes one event that passed the filter, with its verdict (the zero
// Verdict for events that are not failures) and its origin.
func (e *Engine) Add(ev *Event, v Verdict, origin string) {
	if !ev.Failed() {
		return
	}
	e.emit(NewFinding(ev, v, origin))
}

// Close flushes whatever the engine still holds.
func (e *Engine) Close() {}
