# ws-echo container image. Not built on the development machine (it has no container engine);
# it follows the manifests in k8s/: port 8000, user 10001, read-only root filesystem with /tmp
# mounted as an emptyDir, config from CONFIG_PATH.

# ---- build ------------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
COPY webroot webroot
COPY conf conf
RUN mvn -B -q -DskipTests package

# ---- run --------------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 wsecho \
 && useradd --system --uid 10001 --gid wsecho --no-create-home --shell /usr/sbin/nologin wsecho
WORKDIR /app
COPY --from=build /src/target/ws-echo.jar /app/ws-echo.jar
COPY conf /app/conf
# Size the heap from the container's memory limit; fail fast rather than limp on OOM.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp"
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["java", "-jar", "/app/ws-echo.jar"]
