package resolvers

import (
	"github.com/stratumhq/stratum/domain/notes"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/relay"
)

func noteModel(n *notes.Note) *model.Note {
	return &model.Note{ID: relay.GlobalID("Note", n.ID), Body: n.Body, CreatedAt: n.CreatedAt}
}
