// Package fill sets every exported field of a value by reflection, for
// tests that must notice a field added to a type: a codec or an encoder
// that does not know the new field then fails them.
package fill

import (
	"fmt"
	"reflect"
	"time"
)

// Filler says what to fill with; nil functions give the defaults.
type Filler struct {
	// String gives each string (default "s1", "s2", ...).
	String func() string
	// Time gives each time.Time (default 2026-11-26T10:04:07.123456789Z).
	Time func() time.Time
	// Len gives each list's length, or -1 for nil, which also leaves a
	// pointer nil (default 2).
	Len func() int
}

// Fill sets every exported field of the value v points to, recursively:
// a string, a time.Time, a list of Len elements, a pointer to a new value.
// A list of a struct type it is already inside (Finding.Records) is
// filled one level deep and left nil below that. It fails on a field of a
// kind it does not know, naming it.
func (f Filler) Fill(v any) error {
	n := 0
	if f.String == nil {
		f.String = func() string { n++; return fmt.Sprintf("s%d", n) }
	}
	if f.Time == nil {
		f.Time = func() time.Time { return time.Date(2026, 11, 26, 10, 4, 7, 123456789, time.UTC) }
	}
	if f.Len == nil {
		f.Len = func() int { return 2 }
	}
	p := reflect.ValueOf(v)
	if p.Kind() != reflect.Pointer || p.IsNil() {
		return fmt.Errorf("fill: %T is not a non-nil pointer", v)
	}
	return f.fill(p.Elem(), p.Elem().Type().String(), nil)
}

func (f Filler) fill(v reflect.Value, path string, inside []reflect.Type) error {
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.String())
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(f.Time()))
			return nil
		}
		inside = append(inside, v.Type())
		for i := range v.NumField() {
			if sf := v.Type().Field(i); sf.IsExported() {
				if err := f.fill(v.Field(i), path+"."+sf.Name, inside); err != nil {
					return err
				}
			}
		}
	case reflect.Slice:
		seen := 0
		for _, t := range inside {
			if t == v.Type().Elem() {
				seen++
			}
		}
		n := f.Len()
		if n < 0 || seen > 1 {
			v.SetZero()
			return nil
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			if err := f.fill(s.Index(i), fmt.Sprintf("%s[%d]", path, i), inside); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Pointer:
		if f.Len() < 0 {
			v.SetZero()
			return nil
		}
		p := reflect.New(v.Type().Elem())
		if err := f.fill(p.Elem(), path, inside); err != nil {
			return err
		}
		v.Set(p)
	default:
		return fmt.Errorf("fill: %s is a %s (%s): teach package fill, and what the test checks, about it", path, v.Kind(), v.Type())
	}
	return nil
}
