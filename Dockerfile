# syntax=docker/dockerfile:1
# The gateway's image: docker build -t agent-gateway . (or docker compose -f docker-compose.dev.yml up --build).
# .ci/image builds the same image without a Docker engine (Jib, mvn -Pimage); ContainerImageIT checks that its
# entrypoint, port, user and health check are the ones written here.

# --- build: the shaded jar, target/agent-gateway.jar ---------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Dependencies first, in their own layer, so a source change does not download them again.
COPY pom.xml .
RUN mvn -B -ntp -q dependency:go-offline
COPY application.properties .
COPY routes routes
COPY src/main src/main
RUN mvn -B -ntp -q package -DskipTests

# --- run: a JRE 17 and the jar ---------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre
# A fixed numeric uid, so that runAsNonRoot-style checks can see it is not root.
RUN groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin gateway
WORKDIR /app
# Owned by root and read-only to the gateway. application.properties and routes/*.yaml are inside the jar; mount
# files at /app/application.properties or /app/routes/ to override them (they are read from the working directory).
COPY --from=build /src/target/agent-gateway.jar /app/agent-gateway.jar
USER 10001:10001
EXPOSE 8000
# The JRE image has no curl or wget, and a Java check would start a JVM (about half a CPU-second) every 30 s:
# bash's /dev/tcp sends GET /health and needs only bash, which the image has. Healthy = HTTP 200; "degraded"
# (agent or Redis unreachable) is still 200, because restarting the gateway would not fix either.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-8000} && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && IFS= read -r -t 4 status <&3 && [[ $status == *\" 200 \"* ]]"]
# JVM flags go in JAVA_TOOL_OPTIONS (e.g. -XX:MaxRAMPercentage=75); settings in the environment (README).
ENTRYPOINT ["java", "-jar", "/app/agent-gateway.jar"]
