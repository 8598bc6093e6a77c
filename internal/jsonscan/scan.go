// Package jsonscan is a small, strict pull scanner over one JSON document
// (RFC 8259) held in memory. The ad-platform clients use it to decode their
// large report pages without encoding/json's reflection: each client keeps
// only the mapping from its field names to its struct fields, and this
// package does the reading.
//
// A Scanner reads values in document order. Objects and arrays are walked
// with EnterObject/EnterArray and a More loop:
//
//	s := jsonscan.New(b)
//	s.EnterObject()
//	for s.More() {
//		switch string(s.Key()) {
//		case "id":
//			id, _ = s.String()
//		default:
//			s.Skip()
//		}
//	}
//	if err := s.End(); err != nil { … }
//
// The first error (malformed input, the wrong kind of value, or one the
// caller reports with Fail) is sticky: every later call returns a zero
// value and reads nothing, loops end, and End returns that error. So a
// decoder checks once, at the end, and a malformed document can never pass
// as a well-formed one: the scanner accepts exactly what encoding/json's
// json.Valid accepts (FuzzScanner checks that, and that the values agree).
package jsonscan

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// DefaultMaxDepth is the nesting limit when Scanner.MaxDepth is 0; it is
// encoding/json's.
const DefaultMaxDepth = 10000

// Kind is the kind of the next value, from its first byte.
type Kind uint8

const (
	Invalid Kind = iota // not the start of a value, or the end of input
	Object
	Array
	String
	Number
	True
	False
	Null
)

func (k Kind) String() string {
	switch k {
	case Object:
		return "object"
	case Array:
		return "array"
	case String:
		return "string"
	case Number:
		return "number"
	case True:
		return "true"
	case False:
		return "false"
	case Null:
		return "null"
	}
	return "invalid"
}

// SyntaxError is malformed input (or a value of the wrong kind) at byte
// Offset of the document.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("jsonscan: %s at offset %d", e.Msg, e.Offset)
}

// Scanner reads one JSON document. The zero value reads an empty (hence
// invalid) document; use New.
type Scanner struct {
	// MaxDepth bounds the nesting of objects and arrays (0:
	// DefaultMaxDepth). Set it before reading.
	MaxDepth int

	b     []byte
	i     int
	err   error
	depth int
	// open holds the closing byte ('}' or ']') of every container entered
	// with EnterObject/EnterArray and not yet closed by More; closer is
	// the innermost one's (0 outside any).
	open   []byte
	closer byte
	// first is true right after a container is entered: its first More
	// expects no comma.
	first bool
}

// New returns a Scanner over b. Slices it returns may alias b: b must not
// change while they are in use.
func New(b []byte) Scanner {
	return Scanner{b: b}
}

// Err is the first error, or nil.
func (s *Scanner) Err() error { return s.err }

// Offset is the index of the next unread byte.
func (s *Scanner) Offset() int { return s.i }

// Fail records err as the scanner's error unless it already has one, which
// stops the scan. Decoders use it for a value they cannot accept.
func (s *Scanner) Fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

func (s *Scanner) syntax(msg string) {
	s.Fail(&SyntaxError{Offset: s.i, Msg: msg})
}

// unexpected records a syntax error naming the byte found instead of what
// was wanted.
func (s *Scanner) unexpected(want string) {
	if s.i >= len(s.b) {
		s.syntax("unexpected end of input, want " + want)
		return
	}
	s.syntax(fmt.Sprintf("unexpected %q, want %s", s.b[s.i], want))
}

func (s *Scanner) ws() {
	if s.i < len(s.b) && s.b[s.i] > ' ' {
		return // the common case, and inlined
	}
	s.wsLoop()
}

func (s *Scanner) wsLoop() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// Peek is the kind of the next value, judged by its first byte only
// (Invalid after an error or at the end of input). It reads nothing.
func (s *Scanner) Peek() Kind {
	if s.err != nil {
		return Invalid
	}
	s.ws()
	if s.i >= len(s.b) {
		return Invalid
	}
	return kindOf[s.b[s.i]]
}

// kindOf is the kind of value each byte starts.
var kindOf = func() (t [256]Kind) {
	t['{'], t['['], t['"'], t['-'] = Object, Array, String, Number
	for c := '0'; c <= '9'; c++ {
		t[c] = Number
	}
	t['t'], t['f'], t['n'] = True, False, Null
	return t
}()

func (s *Scanner) maxDepth() int {
	if s.MaxDepth > 0 {
		return s.MaxDepth
	}
	return DefaultMaxDepth
}

// enter consumes the opening byte c of a container.
func (s *Scanner) enter(c byte, what string) bool {
	if s.err != nil {
		return false
	}
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != c {
		s.unexpected(what)
		return false
	}
	if s.depth >= s.maxDepth() {
		s.syntax("nesting exceeds the maximum depth")
		return false
	}
	s.i++
	s.depth++
	return true
}

// EnterObject consumes the '{' of an object (an error if the next value
// is not one); More then walks its members.
func (s *Scanner) EnterObject() bool {
	if !s.enter('{', "an object") {
		return false
	}
	s.open = append(s.open, '}')
	s.closer = '}'
	s.first = true
	return true
}

// EnterArray consumes the '[' of an array (an error if the next value is
// not one); More then walks its elements.
func (s *Scanner) EnterArray() bool {
	if !s.enter('[', "an array") {
		return false
	}
	s.open = append(s.open, ']')
	s.closer = ']'
	s.first = true
	return true
}

// More reports whether the innermost entered container has another member
// (read it with Key and a value) or element (read it as a value). At the
// container's end it consumes the closing byte and returns false; it also
// returns false after an error. Call More before every member or element,
// and read each one whole before the next More.
func (s *Scanner) More() bool {
	if s.err != nil {
		return false
	}
	if s.closer == 0 {
		s.syntax("More outside an object or array")
		return false
	}
	s.ws()
	if s.i >= len(s.b) {
		s.unexpected("a value or the end of the " + containerName(s.closer))
		return false
	}
	c := s.b[s.i]
	if c == s.closer {
		s.i++
		s.depth--
		s.open = s.open[:len(s.open)-1]
		s.closer = 0
		if n := len(s.open); n > 0 {
			s.closer = s.open[n-1]
		}
		s.first = false
		return false
	}
	if s.first {
		s.first = false
		return true
	}
	if c != ',' {
		s.unexpected("',' or '" + string(s.closer) + "'")
		return false
	}
	s.i++
	return true
}

func containerName(closer byte) string {
	if closer == '}' {
		return "object"
	}
	return "array"
}

// Key reads a member's name and the ':' after it. The name is decoded as
// String decodes values.
func (s *Scanner) Key() []byte {
	// The common case first: the name right here, ':' right after it.
	if s.closer == '}' && s.err == nil && s.i < len(s.b) && s.b[s.i] == '"' {
		k, _ := s.str()
		if s.i < len(s.b) && s.b[s.i] == ':' && s.err == nil {
			s.i++
			return k
		}
		return s.colon(k)
	}
	return s.key()
}

// key is Key after white space, or failing.
func (s *Scanner) key() []byte {
	if s.err != nil {
		return nil
	}
	if s.closer != '}' {
		s.syntax("Key outside an object")
		return nil
	}
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		s.unexpected("a member name")
		return nil
	}
	k, _ := s.str()
	return s.colon(k)
}

// colon consumes the ':' after the member name k and returns k.
func (s *Scanner) colon(k []byte) []byte {
	if s.err != nil {
		return nil
	}
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		s.unexpected("':' after a member name")
		return nil
	}
	s.i++
	return k
}

// String reads a string value and returns its decoded bytes, as
// encoding/json decodes them: escapes resolved (\uXXXX surrogate pairs
// combined, a lone surrogate read as U+FFFD) and each byte of invalid
// UTF-8 replaced by U+FFFD. plain reports that no decoding was needed, in
// which case v aliases the input; otherwise v is newly allocated. Either
// way v must not be modified. Anything but a string is an error.
func (s *Scanner) String() (v []byte, plain bool) {
	if s.err != nil {
		return nil, false
	}
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		s.unexpected("a string")
		return nil, false
	}
	return s.str()
}

// plainByte[c] is true for bytes that stand for themselves inside a string
// (not '"', '\\', a control character or a non-ASCII byte).
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// str reads the string whose opening quote is at s.i.
func (s *Scanner) str() ([]byte, bool) {
	b := s.b
	start := s.i + 1
	j := start
	for {
		// Eight bytes at a time to the first that is '"', '\\', a control
		// character or non-ASCII: each term flags such bytes, and the lowest
		// flag is exact (a borrow only runs upwards from a flagged byte).
		if j+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[j : j+8])
			q := x ^ (lsb * '"')
			e := x ^ (lsb * '\\')
			m := ((q-lsb)&^q | (e-lsb)&^e | (x-lsb*0x20)&^x | x) & msb
			if m == 0 {
				j += 8
				continue
			}
			j += bits.TrailingZeros64(m) >> 3
		} else {
			for j < len(b) && plainByte[b[j]] {
				j++
			}
			if j >= len(b) {
				break
			}
		}
		switch c := b[j]; {
		case c == '"':
			s.i = j + 1
			return b[start:j], true
		case c < 0x20:
			s.i = j
			s.syntax("control character in a string")
			return nil, false
		case c >= 0x80:
			r, size := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && size == 1 {
				return s.decode(start, j)
			}
			j += size
		default: // '\\'
			return s.decode(start, j)
		}
	}
	s.i = j
	s.syntax("unterminated string")
	return nil, false
}

// decode finishes reading a string that needs decoding: b[start:j] is its
// plain prefix and b[j] an escape or invalid UTF-8.
func (s *Scanner) decode(start, j int) ([]byte, bool) {
	b := s.b
	out := make([]byte, j-start, j-start+16)
	copy(out, b[start:j])
	for j < len(b) {
		c := b[j]
		switch {
		case c == '"':
			s.i = j + 1
			return out, false
		case c < 0x20:
			s.i = j
			s.syntax("control character in a string")
			return nil, false
		case c < 0x80 && c != '\\':
			out = append(out, c)
			j++
		case c >= 0x80:
			r, size := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, b[j:j+size]...)
			}
			j += size
		default: // '\\'
			if j+1 >= len(b) {
				s.i = j
				s.syntax("unterminated string")
				return nil, false
			}
			var r rune
			switch e := b[j+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
				j += 2
				continue
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r = hex4(b, j+2)
				if r < 0 {
					s.i = j
					s.syntax(`invalid \u escape`)
					return nil, false
				}
				j += 6
				if utf16.IsSurrogate(r) {
					// A high surrogate followed by an escaped low one is
					// one rune; any other surrogate is U+FFFD, and a
					// following escape is read on its own.
					if j+1 < len(b) && b[j] == '\\' && b[j+1] == 'u' {
						if r2 := hex4(b, j+2); r2 >= 0 {
							if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
								r = d
								j += 6
							} else {
								r = utf8.RuneError
							}
						} else {
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
				continue
			default:
				s.i = j
				s.syntax("invalid escape in a string")
				return nil, false
			}
			j += 2
		}
	}
	s.i = j
	s.syntax("unterminated string")
	return nil, false
}

// hex4 is the value of the four hex digits at b[i:], or -1.
func hex4(b []byte, i int) rune {
	if i+4 > len(b) {
		return -1
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// Number reads a number value and returns its exact text (for exact
// decimal parsing), which aliases the input. Anything but a number is an
// error.
func (s *Scanner) Number() []byte {
	if s.err != nil {
		return nil
	}
	s.ws()
	start := s.i
	if n := numberLen(s.b[s.i:]); n > 0 {
		s.i += n
		return s.b[start:s.i]
	}
	s.unexpected("a number")
	return nil
}

// numberLen is the length of the JSON number at the start of b
// (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?), or 0 if there is none.
// The number is the longest such prefix: what follows is the caller's to
// judge ("01" is the number 0 followed by a stray "1").
func numberLen(b []byte) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i++
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return 0
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return 0
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return 0
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i
}

// ValidNumber reports whether b is exactly one JSON number.
func ValidNumber(b []byte) bool {
	return len(b) > 0 && numberLen(b) == len(b)
}

// Bool reads true or false; anything else is an error.
func (s *Scanner) Bool() bool {
	switch s.Peek() {
	case True:
		return s.word("true")
	case False:
		s.word("false")
		return false
	}
	s.unexpected("true or false")
	return false
}

// Null consumes a null and reports true if one is next; otherwise it reads
// nothing and reports false (an error only if null is misspelt).
func (s *Scanner) Null() bool {
	if s.Peek() != Null {
		return false
	}
	return s.word("null")
}

// word consumes the literal w, which starts at s.i.
func (s *Scanner) word(w string) bool {
	if len(s.b)-s.i < len(w) || string(s.b[s.i:s.i+len(w)]) != w {
		s.unexpected(w)
		return false
	}
	s.i += len(w)
	return true
}

// Skip reads over the next value, whatever it is, checking its syntax.
func (s *Scanner) Skip() {
	if s.err != nil {
		return
	}
	s.skip()
}

func (s *Scanner) skip() {
	switch s.Peek() {
	case String:
		s.str()
	case Number:
		s.Number()
	case True:
		s.word("true")
	case False:
		s.word("false")
	case Null:
		s.word("null")
	case Object:
		if !s.enter('{', "an object") {
			return
		}
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == '}' {
			s.i++
			s.depth--
			return
		}
		for s.err == nil {
			s.ws()
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				s.unexpected("a member name")
				return
			}
			s.str()
			s.ws()
			if s.err != nil {
				return
			}
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				s.unexpected("':' after a member name")
				return
			}
			s.i++
			s.skip()
			if s.err != nil {
				return
			}
			s.ws()
			if s.i < len(s.b) && s.b[s.i] == ',' {
				s.i++
				continue
			}
			if s.i < len(s.b) && s.b[s.i] == '}' {
				s.i++
				s.depth--
				return
			}
			s.unexpected("',' or '}'")
		}
	case Array:
		if !s.enter('[', "an array") {
			return
		}
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			s.depth--
			return
		}
		for s.err == nil {
			s.skip()
			if s.err != nil {
				return
			}
			s.ws()
			if s.i < len(s.b) && s.b[s.i] == ',' {
				s.i++
				continue
			}
			if s.i < len(s.b) && s.b[s.i] == ']' {
				s.i++
				s.depth--
				return
			}
			s.unexpected("',' or ']'")
		}
	default:
		s.unexpected("a value")
	}
}

// Raw reads over the next value like Skip and returns its text (aliasing
// the input), for a part of the document left to encoding/json.
func (s *Scanner) Raw() []byte {
	if s.err != nil {
		return nil
	}
	s.ws()
	start := s.i
	s.skip()
	if s.err != nil {
		return nil
	}
	return s.b[start:s.i]
}

// End checks that the document is complete — every entered container
// closed, nothing but white space after the value — and returns the first
// error.
func (s *Scanner) End() error {
	if s.err != nil {
		return s.err
	}
	if len(s.open) > 0 {
		s.syntax("the " + containerName(s.open[len(s.open)-1]) + " is not closed")
		return s.err
	}
	s.ws()
	if s.i < len(s.b) {
		s.syntax("data after the end of the document")
	}
	return s.err
}
