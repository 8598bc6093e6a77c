package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// decodeAny reads the next value into the types encoding/json gives an
// `any` with UseNumber, through the Scanner's typed reads.
func decodeAny(s *Scanner) any {
	switch s.Peek() {
	case Object:
		m := map[string]any{}
		s.EnterObject()
		for s.More() {
			k := string(s.Key())
			m[k] = decodeAny(s)
		}
		return m
	case Array:
		a := []any{}
		s.EnterArray()
		for s.More() {
			a = append(a, decodeAny(s))
		}
		return a
	case String:
		v, _ := s.String()
		return string(v)
	case Number:
		return json.Number(s.Number())
	case True, False:
		return s.Bool()
	case Null:
		s.Null()
		return nil
	}
	s.Skip() // records the error
	return nil
}

// reference decodes data with encoding/json (nil, false if invalid).
func reference(data []byte) (any, bool) {
	if !json.Valid(data) {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// check compares the Scanner with encoding/json on data, three ways: the
// typed reads, Skip and Raw.
func check(t *testing.T, data []byte) {
	t.Helper()
	want, valid := reference(data)

	s := New(data)
	got := decodeAny(&s)
	err := s.End()
	if (err == nil) != valid {
		t.Fatalf("%q: scanner error %v, encoding/json valid %v", data, err, valid)
	}
	if valid && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: scanner read %#v, encoding/json %#v", data, got, want)
	}
	if err != nil {
		var se *SyntaxError
		if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(data) {
			t.Fatalf("%q: error %v is not a SyntaxError with an offset in the input", data, err)
		}
	}

	s = New(data)
	s.Skip()
	if err := s.End(); (err == nil) != valid {
		t.Fatalf("%q: Skip error %v, encoding/json valid %v", data, err, valid)
	}

	s = New(data)
	raw := s.Raw()
	if err := s.End(); (err == nil) != valid {
		t.Fatalf("%q: Raw error %v, encoding/json valid %v", data, err, valid)
	}
	if valid && !bytes.Equal(raw, bytes.Trim(data, " \t\r\n")) {
		t.Fatalf("%q: Raw = %q", data, raw)
	}
}

var seeds = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e-3`, `-12.340E+10`, `true`, `false`, `null`, " \t\r\n{ } ",
	`{"a":1,"b":[true,false,null,"x"],"c":{"d":{}},"e":[[],[{}]]}`,
	`{"a":1,"a":2}`, `{"":""}`, `["\"\\\/\b\f\n\r\t"]`,
	`"\u00e9\u6771\u4EAC"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00"`, `"\ud83d\u0041"`, `"\ud83dx"`, `"\ud83d\ud83d\ude00"`,
	"\"caf\xc3\xa9\"", "\"\xff\"", "\"a\xc3\"", "\"\xed\xa0\x80\"", "\"\xf0\x9f\x98\x80\"", "\"\\n\xff\"",
	`{"data":[{"spend":"12.34","actions":[{"action_type":"a","value":"1"}]}],"paging":{"next":"u"}}`,
	// Malformed.
	``, ` `, `{`, `[`, `}`, `]`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `[1 2]`, `{"a":1 "b":2}`,
	`{"a":1]`, `[1}`, `{1:2}`, `{'a':1}`, `"abc`, `"\"`, `"\q"`, `"\u12"`, `"\u12G4"`, "\"a\nb\"", "\"\x00\"",
	`01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`, `--1`, `1-2`, `0x10`, `Infinity`, `NaN`,
	`tru`, `truex`, `nul`, `nulll`, `True`, `[true false]`, `1 2`, `{} x`, `[]]`, "\xef\xbb\xbf{}",
	`{"a":[1,{"b":"c\"d"}],"e":{"f":[null]}}`, `[1,[2,[3,[4,[5]]]]]`,
}

func TestScannerAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, c := range seeds {
		check(t, []byte(c))
	}
	// Positive and negative controls: the table holds both kinds.
	valid := 0
	for _, c := range seeds {
		if json.Valid([]byte(c)) {
			valid++
		}
	}
	if valid == 0 || valid == len(seeds) {
		t.Fatalf("%d of %d seeds are valid; want both kinds", valid, len(seeds))
	}
}

func TestStringDecoding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in    string
		want  string
		plain bool
	}{
		{`"abc"`, "abc", true},
		{`""`, "", true},
		{"\"caf\xc3\xa9 \xe6\x9d\xb1\"", "café 東", true},
		{`"a\"b\\c\/d"`, `a"b\c/d`, false},
		{`"\b\f\n\r\t"`, "\b\f\n\r\t", false},
		{`"\u0041\u00e9\u6771"`, "Aé東", false},
		{`"\uD83D\uDE00"`, "😀", false},
		{`"\ud83d"`, "\ufffd", false},
		{`"\ude00x"`, "\ufffdx", false},
		{`"\ud83d\u0041"`, "\ufffdA", false},
		{`"\ud83d\ud83d\ude00"`, "\ufffd😀", false},
		{"\"a\xffb\"", "a\ufffdb", false},
		{"\"\xc3\"", "\ufffd", false},
		{"\"\xed\xa0\x80\"", "\ufffd\ufffd\ufffd", false}, // an encoded surrogate is invalid UTF-8
	}
	for _, c := range cases {
		s := New([]byte(c.in))
		v, plain := s.String()
		if err := s.End(); err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if string(v) != c.want || plain != c.plain {
			t.Errorf("%q: got %q plain %v; want %q plain %v", c.in, v, plain, c.want, c.plain)
		}
		var ref string
		if err := json.Unmarshal([]byte(c.in), &ref); err != nil || ref != c.want {
			t.Errorf("%q: encoding/json reads %q (%v); the table says %q", c.in, ref, err, c.want)
		}
	}
	// A plain string aliases the input; a decoded one does not.
	in := []byte(`["abc","a\nc"]`)
	s := New(in)
	s.EnterArray()
	s.More()
	v, _ := s.String()
	if &v[0] != &in[2] {
		t.Error("a plain string is a copy; want it to alias the input")
	}
	s.More()
	v, _ = s.String()
	if &v[0] == &in[9] {
		t.Error("a decoded string aliases the input")
	}
}

func TestTypedReadsRefuseOtherKinds(t *testing.T) {
	t.Parallel()
	reads := map[string]func(*Scanner){
		"String":      func(s *Scanner) { s.String() },
		"Number":      func(s *Scanner) { s.Number() },
		"Bool":        func(s *Scanner) { s.Bool() },
		"EnterObject": func(s *Scanner) { s.EnterObject() },
		"EnterArray":  func(s *Scanner) { s.EnterArray() },
	}
	fits := map[string]string{"String": `"1"`, "Number": `1`, "Bool": `true`, "EnterObject": `{`, "EnterArray": `[`}
	for name, read := range reads {
		for other, in := range fits {
			s := New([]byte(in))
			read(&s)
			if got := s.Err() == nil; got != (name == other) {
				t.Errorf("%s on %s: error %v", name, in, s.Err())
			}
		}
	}
	// Null reads only a null, and leaves anything else unread and unjudged.
	s := New([]byte(`[null,1]`))
	s.EnterArray()
	s.More()
	if !s.Null() {
		t.Error("Null did not read null")
	}
	s.More()
	if s.Null() || s.Err() != nil {
		t.Errorf("Null on 1: read it or failed (%v)", s.Err())
	}
	if string(s.Number()) != "1" || s.More() || s.End() != nil {
		t.Errorf("after Null: %v", s.Err())
	}
	s = New([]byte(`nil`))
	if s.Null() || s.Err() == nil {
		t.Error("a misspelt null is not an error")
	}
}

func TestNumbersAreExactText(t *testing.T) {
	t.Parallel()
	s := New([]byte(`[12.340, -0.000001, 9007199254740993, 1E+400, 0]`))
	var got []string
	s.EnterArray()
	for s.More() {
		got = append(got, string(s.Number()))
	}
	if err := s.End(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"12.340", "-0.000001", "9007199254740993", "1E+400", "0"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q; want %q", got, want)
	}
	for _, n := range []string{"0", "-0", "-1", "12.34", "1e5", "1.5E-3", "10", "0.0"} {
		if !ValidNumber([]byte(n)) {
			t.Errorf("ValidNumber(%q) = false", n)
		}
	}
	for _, n := range []string{"", "-", "01", "-01", "1.", ".5", "1e", "1e+", "1-2", "+1", "1 ", " 1", "0x1", "1.5.5"} {
		if ValidNumber([]byte(n)) {
			t.Errorf("ValidNumber(%q) = true", n)
		}
	}
}

func TestErrorsAreSticky(t *testing.T) {
	t.Parallel()
	s := New([]byte(`{"a":tru,"b":"x"}`))
	s.EnterObject()
	n := 0
	for s.More() {
		n++
		s.Key()
		s.Skip()
	}
	if n != 1 {
		t.Errorf("More returned true %d times; want 1 then stop at the error", n)
	}
	err := s.End()
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != 5 {
		t.Fatalf("End = %v; want a SyntaxError at offset 5", err)
	}
	at := s.Offset()
	if v, _ := s.String(); v != nil || s.Number() != nil || s.Key() != nil || s.Raw() != nil || s.Peek() != Invalid || s.EnterObject() || s.More() || s.Offset() != at {
		t.Error("a read after an error read something")
	}
	if s.End() != err {
		t.Error("the first error was replaced")
	}

	// Fail stops the scan with the caller's error, which End returns.
	mine := errors.New("mine")
	s = New([]byte(`[1,2,3]`))
	s.EnterArray()
	n = 0
	for s.More() {
		n++
		s.Number()
		s.Fail(mine)
	}
	if n != 1 || !errors.Is(s.End(), mine) {
		t.Errorf("after Fail: %d elements, End %v", n, s.End())
	}
	// Positive control: the same loop without Fail reads all three.
	s = New([]byte(`[1,2,3]`))
	s.EnterArray()
	n = 0
	for s.More() {
		n++
		s.Number()
	}
	if n != 3 || s.End() != nil {
		t.Errorf("without Fail: %d elements, End %v", n, s.End())
	}
}

func TestStructureIsChecked(t *testing.T) {
	t.Parallel()
	// An object walk that stops early, misuse of Key and More, and a value
	// left unread are errors, never a silent success.
	s := New([]byte(`{"a":1}`))
	s.EnterObject()
	if s.End() == nil {
		t.Error("End with the object still open")
	}
	s = New([]byte(`[1]`))
	s.EnterArray()
	s.More()
	if s.Key() != nil || s.Err() == nil {
		t.Error("Key inside an array")
	}
	s = New([]byte(`1`))
	if s.More() || s.Err() == nil {
		t.Error("More outside a container")
	}
	s = New([]byte(`{"a":1,"b":2}`))
	s.EnterObject()
	s.More()
	s.Key() // value never read
	if s.More() || s.Err() == nil {
		t.Error("a member's value left unread went unnoticed")
	}
	// Raw returns one value's text; the walk goes on after it.
	s = New([]byte(`{"p": {"x":[1, "}"]} , "q":2}`))
	s.EnterObject()
	var raw []byte
	for s.More() {
		if string(s.Key()) == "p" {
			raw = s.Raw()
		} else {
			s.Skip()
		}
	}
	if err := s.End(); err != nil || string(raw) != `{"x":[1, "}"]}` {
		t.Errorf("Raw = %q, %v", raw, err)
	}
}

func TestMaxDepth(t *testing.T) {
	t.Parallel()
	nest := func(n int) []byte { return []byte(strings.Repeat("[", n) + strings.Repeat("]", n)) }
	// The default limit is encoding/json's, to the level.
	for _, n := range []int{DefaultMaxDepth, DefaultMaxDepth + 1} {
		s := New(nest(n))
		s.Skip()
		if (s.End() == nil) != json.Valid(nest(n)) {
			t.Errorf("depth %d: scanner %v, json.Valid %v", n, s.End(), json.Valid(nest(n)))
		}
	}
	// A set limit applies to walked and skipped containers alike.
	for _, walk := range []bool{false, true} {
		for n, ok := range map[int]bool{4: true, 5: false} {
			s := New([]byte(`{"a":` + string(nest(n-1)) + `}`))
			s.MaxDepth = 4
			if walk {
				s.EnterObject()
				for s.More() {
					s.Key()
					s.EnterArray()
					for s.More() {
						s.Skip()
					}
				}
			} else {
				s.Skip()
			}
			if (s.End() == nil) != ok {
				t.Errorf("MaxDepth 4, depth %d, walk %v: %v", n, walk, s.End())
			}
		}
	}
}

func FuzzScanner(f *testing.F) {
	for _, c := range seeds {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, data)
	})
}

// Strings are scanned eight bytes at a time: every kind of byte that ends
// the plain run must be found at every offset of a word, and bytes that
// look like one to a sloppy test ('!', '#', ']', 0x7f, 0x20) must not.
func TestStringWordBoundaries(t *testing.T) {
	t.Parallel()
	specials := []string{`"`, `\n`, `\u00e9`, "\x1f", "\x00", "\xc3\xa9", "\xff", "\xe6\x9d\xb1", "!", "#", "]", "[", "\x7f", " ", "\\"}
	for n := 0; n <= 20; n++ {
		for p := 0; p <= n; p++ {
			for _, sp := range specials {
				in := `"` + strings.Repeat("a", p) + sp + strings.Repeat("b", n-p) + `"`
				check(t, []byte(in))
				check(t, []byte(`{"`+strings.Repeat("k", p)+sp+`":1}`))
			}
		}
	}
}
