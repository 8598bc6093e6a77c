package capifake

import "testing"

func TestCountArray(t *testing.T) {
	t.Parallel()
	cases := map[string]int{
		`{"data":[]}`:                                     0,
		`{"data":[{"a":[1,2,{"b":"],,["}]}]}`:             1,
		`{"x":"\"data\":[1,2]","data":[{"a":1},{"b":2}]}`: 2,
		`{"data" : [ 1 , 2 , 3 ] , "access_token":"t"}`:   3,
		`{"meta":{"data":[1]},"data":["a,b","c\"d,"]}`:    2,
		`{"conversions":[{}]}`:                            -1,
	}
	for body, want := range cases {
		if got := countArray([]byte(body), "data"); got != want {
			t.Errorf("countArray(%s) = %d, want %d", body, got, want)
		}
	}
}
