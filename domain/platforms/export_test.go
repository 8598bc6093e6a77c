package platforms

// SetRemoteHooks sets the test hooks of the remote connector c (see
// RemoteConnector): onWait runs each time Apply waits for another attempt
// holding the key; crashAfterMutate, returning true, abandons an attempt
// right after its mutation as a killed process would.
func SetRemoteHooks(c Connector, onWait func(), crashAfterMutate func() bool) {
	r := c.(*RemoteConnector)
	r.onWait, r.crashAfterMutate = onWait, crashAfterMutate
}
