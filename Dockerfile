# syntax=docker/dockerfile:1
# Stratum: one image, one binary. Build: docker build -t stratum .
# Run:   docker run -e DATABASE_URL=postgres://owner@db/stratum -e STRATUM_ENV=production ... -p 8080:8080 stratum

FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
COPY graph/ /src/graph/
RUN npm run build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=frontend /src/frontend/dist ./frontend/dist
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/stratumhq/stratum/app.Version=${VERSION}" -o /out/stratum ./cmd/stratum

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/stratum /usr/local/bin/stratum
USER nonroot:nonroot
ENV STRATUM_HTTP_ADDR=:8080
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/stratum", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/stratum"]
CMD ["serve"]
