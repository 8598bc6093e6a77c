package googleads

import (
	"reflect"
	"testing"
)

// Invalid UTF-8 in a string reads as U+FFFD, as encoding/json reads it,
// not as the raw bytes.
func TestDecodeBatchReadsInvalidUTF8AsEncodingJSONDoes(t *testing.T) {
	t.Parallel()
	for _, b := range []string{
		"{\"results\":[{\"campaign\":{\"id\":\"5\",\"name\":\"caf\xe9\"}}]}",
		"{\"results\":[{\"customer\":{\"descriptiveName\":\"\xff\xfe \\u00e9\"}}]}",
		"{\"results\":[{\"campaign\":{\"id\":\"5\",\"name\":\"caf\xc3\xa9\"}}]}", // valid: the control
	} {
		got, _, err := decodeBatch([]byte(b))
		if err != nil {
			t.Fatalf("decodeBatch(%q): %v", b, err)
		}
		if want := reference(t, []byte(b)); !reflect.DeepEqual(got, want) {
			t.Errorf("decodeBatch(%q)\n got %+v\nwant %+v", b, got, want)
		}
	}
}
